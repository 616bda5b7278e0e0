<?php
/**
 * The plugin's options: their names, defaults, validation and the sanitize callbacks the Settings API runs.
 *
 * Every reader goes through this class, and the readers validate again: an option written by some
 * other code (or a database edit) that is not a valid URL or channel ID counts as "not set", so
 * nothing built from it ever reaches a page.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * Options of the plugin.
 */
class Retino_Returns_Settings {

	/** The Settings API group (and the `option_page` the settings form posts). */
	const GROUP = 'retino_returns';

	/** The base URL of the merchant's Retino installation, without a trailing slash. */
	const URL = 'retino_returns_url';

	/** The public ID of the sales channel this store is in Retino. */
	const CHANNEL = 'retino_returns_channel';

	/** "yes" shows the widget's floating launcher button. */
	const LAUNCHER = 'retino_returns_launcher';

	/** "yes" adds the returns line to customer order e-mails. */
	const EMAILS = 'retino_returns_emails';

	/** "yes" adds the "Returns & complaints" tab to My Account. */
	const ACCOUNT = 'retino_returns_account';

	/** Every option the plugin writes (uninstall deletes them). */
	const OPTION_NAMES = array( self::URL, self::CHANNEL, self::LAUNCHER, self::EMAILS, self::ACCOUNT );

	/** Hosts that may be reached over plain http (a Retino running on the developer's machine). */
	const LOCAL_HOSTS = array( 'localhost', '127.0.0.1' );

	/** What a channel's public ID may look like (Retino makes 24 URL-safe characters). */
	const CHANNEL_PATTERN = '/^[A-Za-z0-9_-]{1,32}$/D';

	/**
	 * The Retino URL in its canonical form: '' when not set or not valid.
	 *
	 * @return string
	 */
	public function retino_url() {
		$url = self::normalize_url( self::stored( self::URL ) );
		return null === $url ? '' : $url;
	}

	/**
	 * The channel's public ID: '' when not set or not valid.
	 *
	 * @return string
	 */
	public function channel_id() {
		$channel = self::stored( self::CHANNEL );
		return self::is_valid_channel_id( $channel ) ? $channel : '';
	}

	/**
	 * A text option as stored, '' when it is missing or not a string (another plugin may have written anything).
	 *
	 * @param string $option The option name.
	 * @return string
	 */
	public static function stored( $option ) {
		$value = get_option( $option, '' );
		return is_string( $value ) ? $value : '';
	}

	/**
	 * Whether both the URL and the channel are set and valid; nothing shows in the shop before that.
	 *
	 * @return bool
	 */
	public function is_configured() {
		return '' !== $this->retino_url() && '' !== $this->channel_id();
	}

	/**
	 * Whether the widget shows its floating launcher button.
	 *
	 * @return bool
	 */
	public function launcher_enabled() {
		return 'yes' === get_option( self::LAUNCHER, 'yes' );
	}

	/**
	 * Whether customer order e-mails carry the returns line.
	 *
	 * @return bool
	 */
	public function emails_enabled() {
		return 'yes' === get_option( self::EMAILS, 'yes' );
	}

	/**
	 * Whether My Account has the "Returns & complaints" tab.
	 *
	 * @return bool
	 */
	public function account_enabled() {
		return 'yes' === get_option( self::ACCOUNT, 'yes' );
	}

	/**
	 * Registers the options with the Settings API (on `admin_init`), each with its sanitize callback.
	 */
	public function register() {
		register_setting(
			self::GROUP,
			self::URL,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( $this, 'sanitize_url' ),
			)
		);
		register_setting(
			self::GROUP,
			self::CHANNEL,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( $this, 'sanitize_channel' ),
			)
		);
		foreach ( array( self::LAUNCHER, self::EMAILS, self::ACCOUNT ) as $flag ) {
			register_setting(
				self::GROUP,
				$flag,
				array(
					'type'              => 'string',
					'default'           => 'yes',
					'sanitize_callback' => array( $this, 'sanitize_flag' ),
				)
			);
		}
	}

	/**
	 * Sanitize callback of the Retino URL: a refused value keeps the stored one and says why.
	 *
	 * `options.php` has already unslashed the submitted value; a field missing from the form
	 * (null) keeps the stored value, an empty one clears it.
	 *
	 * @param mixed $value The submitted value.
	 * @return string
	 */
	public function sanitize_url( $value ) {
		if ( null === $value ) {
			return self::stored( self::URL );
		}
		$url = is_string( $value ) ? self::normalize_url( $value ) : null;
		if ( null === $url ) {
			$this->refuse(
				self::URL,
				'invalid_url',
				esc_html__( 'The Retino URL must be an address starting with https:// (http:// is accepted only for localhost). The previous value was kept.', 'retino-returns' )
			);
			return self::stored( self::URL );
		}
		return $url;
	}

	/**
	 * Sanitize callback of the channel ID: a refused value keeps the stored one and says why.
	 *
	 * The pattern is the sanitization: anything else is refused rather than altered (stripping
	 * characters could turn a wrong ID into another channel's).
	 *
	 * @param mixed $value The submitted value.
	 * @return string
	 */
	public function sanitize_channel( $value ) {
		if ( null === $value ) {
			return self::stored( self::CHANNEL );
		}
		$channel = is_string( $value ) ? trim( $value ) : null;
		if ( null === $channel || ( '' !== $channel && ! self::is_valid_channel_id( $channel ) ) ) {
			$this->refuse(
				self::CHANNEL,
				'invalid_channel',
				esc_html__( 'The channel ID may contain only letters, digits, "-" and "_" (at most 32 characters). The previous value was kept.', 'retino-returns' )
			);
			return self::stored( self::CHANNEL );
		}
		return $channel;
	}

	/**
	 * Sanitize callback of a checkbox: "yes" when ticked, else "no" (an unticked box is not submitted at all).
	 *
	 * @param mixed $value The submitted value.
	 * @return string
	 */
	public function sanitize_flag( $value ) {
		return in_array( $value, array( '1', 'yes', 1, true ), true ) ? 'yes' : 'no';
	}

	/**
	 * The canonical form of a Retino URL, '' for an empty value, null when it is not acceptable.
	 *
	 * Acceptable: https (or http to localhost / 127.0.0.1), a host name, an optional port and path;
	 * no user, query or fragment. A missing scheme means https. A value the URL escaping would have
	 * to change (quotes, spaces, angle brackets) is refused rather than silently altered.
	 *
	 * @param string $value A URL as typed.
	 * @return string|null
	 */
	public static function normalize_url( $value ) {
		$url = trim( $value );
		if ( '' === $url ) {
			return '';
		}
		if ( ! preg_match( '#^[A-Za-z][A-Za-z0-9+.-]*://#', $url ) ) {
			$url = 'https://' . $url;
		}
		if ( esc_url_raw( $url, array( 'http', 'https' ) ) !== $url ) {
			return null;
		}
		$parts = wp_parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
			return null;
		}
		if ( isset( $parts['user'] ) || isset( $parts['pass'] ) || isset( $parts['query'] ) || isset( $parts['fragment'] ) ) {
			return null;
		}
		$scheme = strtolower( $parts['scheme'] );
		$host   = strtolower( $parts['host'] );
		if ( ! preg_match( '/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/D', $host ) ) {
			return null;
		}
		if ( 'https' !== $scheme && ! ( 'http' === $scheme && in_array( $host, self::LOCAL_HOSTS, true ) ) ) {
			return null;
		}
		$canonical = $scheme . '://' . $host . ( isset( $parts['port'] ) ? ':' . (int) $parts['port'] : '' );
		$path      = isset( $parts['path'] ) ? rtrim( $parts['path'], '/' ) : '';
		return $canonical . $path;
	}

	/**
	 * Whether a value is a channel's public ID.
	 *
	 * @param string $value The value.
	 * @return bool
	 */
	public static function is_valid_channel_id( $value ) {
		return is_string( $value ) && 1 === preg_match( self::CHANNEL_PATTERN, $value );
	}

	/**
	 * Adds a settings error once (WordPress runs a sanitize callback twice when it adds a new option).
	 *
	 * settings_errors() prints messages as HTML, so they come escaped.
	 *
	 * @param string $setting The option name.
	 * @param string $code    The error code.
	 * @param string $message The message.
	 */
	private function refuse( $setting, $code, $message ) {
		foreach ( get_settings_errors( $setting ) as $error ) {
			if ( $error['code'] === $code ) {
				return;
			}
		}
		add_settings_error( $setting, $code, $message, 'error' );
	}
}

<?php
/**
 * Addresses in the merchant's Retino: the widget script, the portal, the pre-filled direct links, the connect flow.
 *
 * All of them are raw URLs (query values percent-encoded, `&` unescaped): escape them where they
 * are printed, with esc_url() in HTML and esc_url_raw() in plain-text e-mails.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * Builds Retino URLs from the settings.
 */
class Retino_Returns_Links {

	/** The case types a link may name (the codes Retino's default case types have). */
	const TYPES = array( 'return', 'complaint', 'withdrawal' );

	/** The languages Retino's storefront speaks. */
	const LANGUAGES = array( 'cs', 'sk', 'pl', 'en', 'de', 'hu' );

	/**
	 * The settings.
	 *
	 * @var Retino_Returns_Settings
	 */
	private $settings;

	/**
	 * Constructor.
	 *
	 * @param Retino_Returns_Settings $settings The settings.
	 */
	public function __construct( Retino_Returns_Settings $settings ) {
		$this->settings = $settings;
	}

	/**
	 * A case type a link may name, or '' for anything else.
	 *
	 * @param mixed $type The requested type.
	 * @return string
	 */
	public static function case_type( $type ) {
		return is_string( $type ) && in_array( $type, self::TYPES, true ) ? $type : '';
	}

	/**
	 * The site's language when Retino speaks it (the first two letters of the locale), else ''.
	 *
	 * @return string
	 */
	public static function language() {
		$language = strtolower( substr( (string) get_locale(), 0, 2 ) );
		return in_array( $language, self::LANGUAGES, true ) ? $language : '';
	}

	/**
	 * The channel's storefront folder, ending with a slash; '' until the plugin is configured.
	 *
	 * @return string
	 */
	public function storefront_base() {
		if ( ! $this->settings->is_configured() ) {
			return '';
		}
		return $this->settings->retino_url() . '/storefront/' . rawurlencode( $this->settings->channel_id() ) . '/';
	}

	/**
	 * The widget's script; '' until the plugin is configured.
	 *
	 * @return string
	 */
	public function widget_script_url() {
		$base = $this->storefront_base();
		return '' === $base ? '' : $base . 'widget.js';
	}

	/**
	 * Where a "returns" button leads: the form of one type, or the choice of types.
	 *
	 * A return or complaint opens its form (`start?type=`), a withdrawal the withdrawal function,
	 * no (or an unknown) type the portal's choice. The widget opens exactly this address in its
	 * overlay, and without JavaScript the link simply goes there.
	 *
	 * @param string $type A case type or ''.
	 * @return string '' until the plugin is configured.
	 */
	public function portal_link( $type = '' ) {
		$base = $this->storefront_base();
		if ( '' === $base ) {
			return '';
		}
		$type = self::case_type( $type );
		if ( 'withdrawal' === $type ) {
			return $base . 'withdraw' . self::query( array() );
		}
		if ( '' !== $type ) {
			return $base . 'start' . self::query( array( 'type' => $type ) );
		}
		return $base . self::query( array() );
	}

	/**
	 * The direct link for one order, pre-filled with its number and the customer's e-mail.
	 *
	 * Retino still verifies the pair like a typed lookup; nothing in the link is trusted.
	 *
	 * @param string $type         'return', 'complaint' or 'withdrawal'.
	 * @param string $email        The order's billing e-mail.
	 * @param string $order_number The order's number as the customer sees it.
	 * @return string '' until the plugin is configured.
	 */
	public function direct_link( $type, $email, $order_number ) {
		$base = $this->storefront_base();
		if ( '' === $base ) {
			return '';
		}
		$type   = self::case_type( $type );
		$filled = array(
			'email' => (string) $email,
			'order' => (string) $order_number,
		);
		if ( 'withdrawal' === $type ) {
			return $base . 'withdraw' . self::query( $filled );
		}
		if ( '' === $type ) {
			return $this->portal_link();
		}
		return $base . 'start' . self::query( array_merge( array( 'type' => $type ), $filled ) );
	}

	/**
	 * Where "Connect this store" leads: Retino's WooCommerce key-provisioning flow for this store.
	 *
	 * Retino sends the merchant back to `$return_url` with `retino_channel=<public ID>` added.
	 *
	 * @param string $return_url The plugin's settings page, with its connect nonce.
	 * @return string '' until the Retino URL is set.
	 */
	public function connect_url( $return_url ) {
		$retino = $this->settings->retino_url();
		if ( '' === $retino ) {
			return '';
		}
		return $retino . '/connect/woocommerce/start?' . self::encode(
			array(
				'store_url'  => home_url( '/' ),
				'return_url' => $return_url,
			)
		);
	}

	/**
	 * A query string with the site's language added (when Retino speaks it), or '' when empty.
	 *
	 * @param array $params Query parameters.
	 * @return string
	 */
	private static function query( array $params ) {
		$language = self::language();
		if ( '' !== $language ) {
			$params['lang'] = $language;
		}
		return array() === $params ? '' : '?' . self::encode( $params );
	}

	/**
	 * Percent-encodes query parameters the RFC 3986 way (a space as %20, a `+` as %2B).
	 *
	 * @param array $params Query parameters.
	 * @return string
	 */
	private static function encode( array $params ) {
		return http_build_query( $params, '', '&', PHP_QUERY_RFC3986 );
	}
}

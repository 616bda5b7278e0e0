<?php
/**
 * WooCommerce → Returns & complaints: the settings page, the "Connect this store" button and its return.
 *
 * Connecting: the button sends the merchant to Retino's WooCommerce flow with this store's URL and
 * a return URL carrying a nonce. Retino has WooCommerce issue REST keys for it, creates the sales
 * channel, and sends the merchant back to the return URL with `retino_channel=<public ID>` added.
 * The page stores that ID only with a valid nonce, for a user who can manage WooCommerce.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * The admin page.
 */
class Retino_Returns_Admin {

	/** The page's slug (`admin.php?page=retino-returns`). */
	const PAGE = 'retino-returns';

	/** Who may see the page, save it and connect the store (shop managers and administrators). */
	const CAPABILITY = 'manage_woocommerce';

	/** The nonce action of the connect return. */
	const NONCE_ACTION = 'retino_returns_connect';

	/** The return URL's query parameters: the nonce and, added by Retino, the channel's public ID. */
	const NONCE_PARAM   = '_retino_nonce';
	const CHANNEL_PARAM = 'retino_channel';

	/**
	 * The settings.
	 *
	 * @var Retino_Returns_Settings
	 */
	private $settings;

	/**
	 * The link builder.
	 *
	 * @var Retino_Returns_Links
	 */
	private $links;

	/**
	 * Constructor.
	 *
	 * @param Retino_Returns_Settings $settings The settings.
	 * @param Retino_Returns_Links    $links    The link builder.
	 */
	public function __construct( Retino_Returns_Settings $settings, Retino_Returns_Links $links ) {
		$this->settings = $settings;
		$this->links    = $links;
	}

	/**
	 * Hooks the page in.
	 *
	 * @param string $plugin_file The plugin's main file.
	 */
	public function register_hooks( $plugin_file ) {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'register_settings' ) );
		// options.php asks for manage_options unless told otherwise; shop managers save this page too.
		add_filter( 'option_page_capability_' . Retino_Returns_Settings::GROUP, array( $this, 'capability' ) );
		add_filter( 'removable_query_args', array( $this, 'removable_query_args' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( $plugin_file ), array( $this, 'action_links' ) );
	}

	/**
	 * Adds the page under WooCommerce; the connect return is handled when the page loads.
	 */
	public function add_page() {
		$hook = add_submenu_page(
			'woocommerce',
			__( 'Returns & complaints', 'retino-returns' ),
			__( 'Returns & complaints', 'retino-returns' ),
			self::CAPABILITY,
			self::PAGE,
			array( $this, 'render_page' )
		);
		if ( $hook ) {
			add_action( 'load-' . $hook, array( $this, 'handle_connect_return' ) );
		}
	}

	/**
	 * The capability the settings form needs (`option_page_capability_retino_returns`).
	 *
	 * @return string
	 */
	public function capability() {
		return self::CAPABILITY;
	}

	/**
	 * Lets WordPress drop the connect parameters from the address bar once the page has loaded.
	 *
	 * @param array $args Removable query arguments.
	 * @return array
	 */
	public function removable_query_args( $args ) {
		$args   = is_array( $args ) ? $args : array();
		$args[] = self::CHANNEL_PARAM;
		$args[] = self::NONCE_PARAM;
		return $args;
	}

	/**
	 * A "Settings" link in the plugin list.
	 *
	 * @param array $links The plugin's action links.
	 * @return array
	 */
	public function action_links( $links ) {
		$settings = sprintf( '<a href="%1$s">%2$s</a>', esc_url( $this->page_url() ), esc_html__( 'Settings', 'retino-returns' ) );
		return array_merge( array( 'settings' => $settings ), is_array( $links ) ? $links : array() );
	}

	/**
	 * The page's address.
	 *
	 * @return string
	 */
	public function page_url() {
		return admin_url( 'admin.php?page=' . self::PAGE );
	}

	/**
	 * Where Retino sends the merchant back: the page with a fresh connect nonce (raw URL).
	 *
	 * @return string
	 */
	public function return_url() {
		return $this->page_url() . '&' . self::NONCE_PARAM . '=' . rawurlencode( wp_create_nonce( self::NONCE_ACTION ) );
	}

	/**
	 * Stores the channel ID Retino hands back (`load-` hook of the page).
	 *
	 * Without `retino_channel` in the query nothing happens. With it: the user must be able to
	 * manage WooCommerce, the nonce must be valid and the ID well-formed; otherwise an error is
	 * shown and nothing is stored.
	 */
	public function handle_connect_return() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- the nonce is verified below.
		if ( ! isset( $_GET[ self::CHANNEL_PARAM ] ) ) {
			return;
		}
		// The channel ID is validated against its pattern below, never altered (sanitize_text_field() would strip "%xx").
		$channel = is_string( $_GET[ self::CHANNEL_PARAM ] ) ? wp_unslash( $_GET[ self::CHANNEL_PARAM ] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		$nonce   = isset( $_GET[ self::NONCE_PARAM ] ) && is_string( $_GET[ self::NONCE_PARAM ] ) ? sanitize_text_field( wp_unslash( $_GET[ self::NONCE_PARAM ] ) ) : '';
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
		if ( ! current_user_can( self::CAPABILITY ) || ! wp_verify_nonce( $nonce, self::NONCE_ACTION ) ) {
			add_settings_error(
				Retino_Returns_Settings::GROUP,
				'connect_refused',
				esc_html__( 'This link to connect the store is not valid or has expired. Nothing was saved; please connect the store again.', 'retino-returns' ),
				'error'
			);
			return;
		}
		if ( ! Retino_Returns_Settings::is_valid_channel_id( $channel ) ) {
			add_settings_error(
				Retino_Returns_Settings::GROUP,
				'connect_invalid_channel',
				esc_html__( 'Retino sent back a channel ID that is not valid. Nothing was saved.', 'retino-returns' ),
				'error'
			);
			return;
		}
		update_option( Retino_Returns_Settings::CHANNEL, $channel );
		add_settings_error(
			Retino_Returns_Settings::GROUP,
			'connected',
			/* translators: %s: the channel's public ID */
			esc_html( sprintf( __( 'The store is connected to Retino (channel %s).', 'retino-returns' ), $channel ) ),
			'success'
		);
	}

	/**
	 * Registers the options, sections and fields (`admin_init`).
	 */
	public function register_settings() {
		$this->settings->register();
		add_settings_section( 'retino_returns_connection', __( 'Connection', 'retino-returns' ), array( $this, 'connection_intro' ), self::PAGE );
		add_settings_field( Retino_Returns_Settings::URL, __( 'Retino URL', 'retino-returns' ), array( $this, 'url_field' ), self::PAGE, 'retino_returns_connection', array( 'label_for' => Retino_Returns_Settings::URL ) );
		add_settings_field( Retino_Returns_Settings::CHANNEL, __( 'Channel ID', 'retino-returns' ), array( $this, 'channel_field' ), self::PAGE, 'retino_returns_connection', array( 'label_for' => Retino_Returns_Settings::CHANNEL ) );
		add_settings_section( 'retino_returns_display', __( 'Display', 'retino-returns' ), '__return_false', self::PAGE );
		$flags = array(
			Retino_Returns_Settings::LAUNCHER => array( __( 'Launcher button', 'retino-returns' ), __( 'Show the floating "Returns & complaints" button on every page of the shop', 'retino-returns' ) ),
			Retino_Returns_Settings::EMAILS   => array( __( 'Order e-mails', 'retino-returns' ), __( 'Add the return and complaint links to customer order e-mails', 'retino-returns' ) ),
			Retino_Returns_Settings::ACCOUNT  => array( __( 'My Account', 'retino-returns' ), __( 'Add the "Returns & complaints" tab to My Account', 'retino-returns' ) ),
		);
		foreach ( $flags as $option => $texts ) {
			add_settings_field(
				$option,
				$texts[0],
				array( $this, 'checkbox_field' ),
				self::PAGE,
				'retino_returns_display',
				array(
					'label_for' => $option,
					'text'      => $texts[1],
				)
			);
		}
	}

	/**
	 * The connection section's introduction.
	 */
	public function connection_intro() {
		echo '<p>' . esc_html__( 'Enter the address of your Retino and save. Then click "Connect this store": Retino has WooCommerce issue API keys for this store and fills in the channel ID.', 'retino-returns' ) . '</p>';
	}

	/**
	 * The Retino URL field.
	 */
	public function url_field() {
		printf(
			'<input type="url" id="%1$s" name="%1$s" value="%2$s" class="regular-text code" placeholder="https://returns.example.com" /><p class="description">%3$s</p>',
			esc_attr( Retino_Returns_Settings::URL ),
			esc_attr( Retino_Returns_Settings::stored( Retino_Returns_Settings::URL ) ),
			esc_html__( 'The address of your Retino installation. It must use https:// (http:// only for localhost).', 'retino-returns' )
		);
	}

	/**
	 * The channel ID field.
	 */
	public function channel_field() {
		printf(
			'<input type="text" id="%1$s" name="%1$s" value="%2$s" class="regular-text code" maxlength="32" pattern="[A-Za-z0-9_\-]{1,32}" /><p class="description">%3$s</p>',
			esc_attr( Retino_Returns_Settings::CHANNEL ),
			esc_attr( Retino_Returns_Settings::stored( Retino_Returns_Settings::CHANNEL ) ),
			esc_html__( 'Filled in when you connect the store. You can also copy it from the sales channel in Retino.', 'retino-returns' )
		);
	}

	/**
	 * A checkbox field ("yes" / "no" option).
	 *
	 * @param array $args `label_for` (the option) and `text`.
	 */
	public function checkbox_field( $args ) {
		$option = $args['label_for'];
		printf(
			'<label><input type="checkbox" id="%1$s" name="%1$s" value="yes"%2$s /> %3$s</label>',
			esc_attr( $option ),
			'yes' === get_option( $option, 'yes' ) ? ' checked="checked"' : '',
			esc_html( $args['text'] )
		);
	}

	/**
	 * The page: notices, the settings form and the connect button.
	 */
	public function render_page() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'Returns & complaints', 'retino-returns' ) . '</h1>';
		settings_errors();
		echo '<form method="post" action="options.php">';
		settings_fields( Retino_Returns_Settings::GROUP );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form>';
		echo '<h2>' . esc_html__( 'Connect this store', 'retino-returns' ) . '</h2>';
		$connect = $this->links->connect_url( $this->return_url() );
		if ( '' === $connect ) {
			echo '<p>' . esc_html__( 'Save the Retino URL first; then you can connect the store.', 'retino-returns' ) . '</p>';
		} else {
			printf(
				'<p><a class="button button-primary" href="%1$s">%2$s</a></p>',
				esc_url( $connect ),
				esc_html__( 'Connect this store', 'retino-returns' )
			);
		}
		echo '</div>';
	}
}

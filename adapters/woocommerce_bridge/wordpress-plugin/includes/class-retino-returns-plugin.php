<?php
/**
 * Wiring: builds the parts and hooks them in; activation and deactivation.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin.
 */
class Retino_Returns_Plugin {

	/** The plugin's text domain. */
	const TEXT_DOMAIN = 'retino-returns';

	/**
	 * The plugin's main file.
	 *
	 * @var string
	 */
	private $file;

	/**
	 * The settings.
	 *
	 * @var Retino_Returns_Settings
	 */
	public $settings;

	/**
	 * The link builder.
	 *
	 * @var Retino_Returns_Links
	 */
	public $links;

	/**
	 * Constructor.
	 *
	 * @param string $file The plugin's main file.
	 */
	public function __construct( $file ) {
		$this->file     = $file;
		$this->settings = new Retino_Returns_Settings();
		$this->links    = new Retino_Returns_Links( $this->settings );
	}

	/**
	 * Hooks the plugin's parts in (on `plugins_loaded`). Does nothing without WooCommerce.
	 *
	 * @param string $file The plugin's main file.
	 * @return Retino_Returns_Plugin|null
	 */
	public static function boot( $file ) {
		if ( ! class_exists( 'WooCommerce' ) ) {
			return null;
		}
		$plugin = new self( $file );
		$plugin->register_hooks();
		return $plugin;
	}

	/**
	 * Hooks everything in.
	 */
	public function register_hooks() {
		add_action( 'init', array( $this, 'load_textdomain' ), 1 );
		( new Retino_Returns_Admin( $this->settings, $this->links ) )->register_hooks( $this->file );
		( new Retino_Returns_Frontend( $this->settings, $this->links ) )->register_hooks();
		( new Retino_Returns_Account( $this->settings, $this->links ) )->register_hooks();
		( new Retino_Returns_Emails( $this->settings, $this->links ) )->register_hooks();
	}

	/**
	 * Loads the translations shipped in `languages/`.
	 */
	public function load_textdomain() {
		load_plugin_textdomain( self::TEXT_DOMAIN, false, dirname( plugin_basename( $this->file ) ) . '/languages' );
	}

	/**
	 * Declares that the plugin works with WooCommerce's order tables (HPOS): it reads orders only through wc_get_orders() and WC_Order.
	 *
	 * @param string $file The plugin's main file.
	 */
	public static function declare_compatibility( $file ) {
		if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', $file, true );
		}
	}

	/**
	 * Activation: the My Account endpoint's rewrite rule (this request ran `init` before the plugin was loaded).
	 */
	public static function activate() {
		Retino_Returns_Account::add_endpoint();
		flush_rewrite_rules();
	}

	/**
	 * Deactivation: the rewrite rules without the endpoint (it was added earlier in this very request).
	 */
	public static function deactivate() {
		global $wp_rewrite;
		if ( is_object( $wp_rewrite ) && isset( $wp_rewrite->endpoints ) && is_array( $wp_rewrite->endpoints ) ) {
			$wp_rewrite->endpoints = array_values(
				array_filter(
					$wp_rewrite->endpoints,
					static function ( $endpoint ) {
						return ! ( is_array( $endpoint ) && isset( $endpoint[1] ) && Retino_Returns_Account::ENDPOINT === $endpoint[1] );
					}
				)
			);
		}
		flush_rewrite_rules();
	}
}

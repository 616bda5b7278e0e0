<?php
/**
 * Plugin Name:          Retino Returns & Complaints
 * Description:          Returns, complaints and withdrawals for WooCommerce through Retino: the returns widget and certificate badge, a My Account tab, links in order e-mails, a shortcode and a block.
 * Version:              1.0.0
 * Requires at least:    6.5
 * Requires PHP:         7.4
 * Requires Plugins:     woocommerce
 * WC requires at least: 8.0
 * Author:               Retino contributors
 * License:              GPL-2.0-or-later
 * License URI:          https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:          retino-returns
 * Domain Path:          /languages
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/includes/class-retino-returns-settings.php';
require_once __DIR__ . '/includes/class-retino-returns-links.php';
require_once __DIR__ . '/includes/class-retino-returns-frontend.php';
require_once __DIR__ . '/includes/class-retino-returns-account.php';
require_once __DIR__ . '/includes/class-retino-returns-emails.php';
require_once __DIR__ . '/includes/class-retino-returns-admin.php';
require_once __DIR__ . '/includes/class-retino-returns-plugin.php';

register_activation_hook( __FILE__, array( 'Retino_Returns_Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Retino_Returns_Plugin', 'deactivate' ) );

add_action(
	'before_woocommerce_init',
	static function () {
		Retino_Returns_Plugin::declare_compatibility( __FILE__ );
	}
);

add_action(
	'plugins_loaded',
	static function () {
		Retino_Returns_Plugin::boot( __FILE__ );
	}
);

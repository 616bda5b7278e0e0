<?php
/**
 * Loads the WordPress and WooCommerce doubles, the plugin, and the helpers the tests use.
 *
 * Any PHP warning, notice or deprecation is an error: the plugin must run clean.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

error_reporting( E_ALL );
set_error_handler(
	function ( $severity, $message, $file, $line ) {
		throw new ErrorException( $message, 0, $severity, $file, $line );
	}
);

require __DIR__ . '/doubles/wordpress.php';
require __DIR__ . '/doubles/woocommerce.php';
require __DIR__ . '/doubles/features-util.php';

/** The plugin's main file, as WordPress loads it. */
define( 'RETINO_TEST_PLUGIN_FILE', dirname( __DIR__ ) . '/retino-returns.php' );
/** A channel's public ID as Retino makes them (24 URL-safe characters). */
const RETINO_TEST_CHANNEL = 'Ab3_xY-9Ab3_xY-9Ab3_xY-9';
/** That channel's folder in the test Retino. */
const RETINO_TEST_STOREFRONT = 'https://returns.example.com/storefront/Ab3_xY-9Ab3_xY-9Ab3_xY-9/';

retino_test_reset();
require RETINO_TEST_PLUGIN_FILE;
/** What loading the main file registered (the tests reset the doubles afterwards). */
$GLOBALS['retino_main_file'] = $GLOBALS['retino_test'];

/** A failed assertion. */
class Retino_Test_Failure extends Exception {
}

function assert_same( $expected, $actual, $what = '' ) {
	if ( $expected !== $actual ) {
		throw new Retino_Test_Failure(
			( '' === $what ? '' : $what . ': ' ) . "expected\n" . var_export( $expected, true ) . "\nactual\n" . var_export( $actual, true )
		);
	}
}

/** Stores options directly, as another plugin or a database edit might (no sanitizing). */
function retino_test_set_options( array $options ) {
	foreach ( $options as $name => $value ) {
		$GLOBALS['retino_test']['options'][ $GLOBALS['retino_test']['blog'] ][ $name ] = $value;
	}
}

/** The plugin configured for https://returns.example.com and the test channel, then booted and `init` run. */
function retino_test_boot( array $options = array() ) {
	retino_test_set_options(
		$options + array(
			'retino_returns_url'     => 'https://returns.example.com',
			'retino_returns_channel' => RETINO_TEST_CHANNEL,
		)
	);
	$plugin = Retino_Returns_Plugin::boot( RETINO_TEST_PLUGIN_FILE );
	do_action( 'init' );
	return $plugin;
}

/** Booted without any option set. */
function retino_test_boot_unconfigured() {
	$plugin = Retino_Returns_Plugin::boot( RETINO_TEST_PLUGIN_FILE );
	do_action( 'init' );
	return $plugin;
}

/** What a callable prints. */
function retino_test_output( callable $callable, ...$args ) {
	ob_start();
	try {
		call_user_func_array( $callable, $args );
	} finally {
		$output = ob_get_clean();
	}
	return $output;
}

/** What the front end prints in the footer: enqueue on `wp_enqueue_scripts`, then print as WordPress would. */
function retino_test_footer() {
	do_action( 'wp_enqueue_scripts' );
	return retino_test_output( 'retino_test_print_footer_scripts' );
}

/** The callback registered for a hook (exactly one expected). */
function retino_test_callback( $tag ) {
	$callbacks = retino_test_callbacks( $tag );
	assert_same( 1, count( $callbacks ), "callbacks on $tag" );
	return $callbacks[0][0];
}

/** What WooCommerce prints after the order table of an e-mail about order 1042 (jana+shop@example.cz). */
function retino_test_email( $sent_to_admin, $plain_text, $email_id = 'customer_completed_order' ) {
	$order = new WC_Order( '1042', 'jana+shop@example.cz', '2026-03-01 10:00:00' );
	$email = null === $email_id ? null : new WC_Email( $email_id );
	return retino_test_output( 'do_action', 'woocommerce_email_after_order_table', $order, $sent_to_admin, $plain_text, $email );
}

<?php
/**
 * Loading, activation and deactivation, translations, uninstall, and PHP 7.4 syntax.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

const RETINO_TEST_PLUGIN_ID = 'wordpress-plugin/retino-returns.php';

/** The plugin's own PHP files (not its tests). */
function retino_test_plugin_php_files() {
	$root  = dirname( __DIR__ );
	$files = array_merge( glob( $root . '/*.php' ), glob( $root . '/includes/*.php' ), glob( $root . '/block/*.php' ) );
	sort( $files );
	return $files;
}

function test_the_main_file_hooks_in_without_doing_anything_else() {
	$loaded = $GLOBALS['retino_main_file'];

	assert_same( array( 'before_woocommerce_init', 'plugins_loaded' ), array_keys( $loaded['hooks'] ) );
	assert_same( array( RETINO_TEST_PLUGIN_ID => array( 'Retino_Returns_Plugin', 'activate' ) ), $loaded['activation'] );
	assert_same( array( RETINO_TEST_PLUGIN_ID => array( 'Retino_Returns_Plugin', 'deactivate' ) ), $loaded['deactivation'] );
	assert_same( array( 1 => array() ), $loaded['options'] );
}

function test_plugins_loaded_boots_the_plugin() {
	$GLOBALS['retino_test']['hooks'] = $GLOBALS['retino_main_file']['hooks'];

	do_action( 'plugins_loaded' );

	foreach ( array( 'init', 'admin_menu', 'admin_init', 'wp_enqueue_scripts', 'wp_script_attributes', 'woocommerce_account_menu_items', 'woocommerce_account_returns_endpoint', 'woocommerce_email_after_order_table' ) as $hook ) {
		assert_same( true, has_filter( $hook ), $hook );
	}
}

function test_the_plugin_declares_compatibility_with_order_tables() {
	$GLOBALS['retino_test']['hooks'] = $GLOBALS['retino_main_file']['hooks'];

	do_action( 'before_woocommerce_init' );

	assert_same( array( array( 'custom_order_tables', RETINO_TEST_PLUGIN_FILE, true ) ), $GLOBALS['retino_test']['features'] );
}

function test_activation_adds_the_endpoint_and_flushes_the_rules() {
	Retino_Returns_Plugin::activate();

	assert_same( array( array( 'returns' ) ), $GLOBALS['retino_test']['flushes'] );
}

function test_deactivation_flushes_the_rules_without_the_endpoint() {
	add_rewrite_endpoint( 'other-plugin', EP_PAGES );
	retino_test_boot();

	Retino_Returns_Plugin::deactivate();

	assert_same( array( array( 'other-plugin' ) ), $GLOBALS['retino_test']['flushes'] );
}

function test_translations_are_loaded_from_the_languages_folder() {
	$expected = array(
		'cs_CZ' => 'Vrácení zboží a reklamace',
		'sk_SK' => 'Vrátenie tovaru a reklamácie',
		'pl_PL' => 'Zwroty i reklamacje',
		'de_DE' => 'Rücksendungen und Reklamationen',
		'hu_HU' => 'Visszaküldés és reklamáció',
		'fr_FR' => 'Returns & complaints',
	);
	foreach ( $expected as $locale => $label ) {
		retino_test_reset();
		$GLOBALS['retino_test']['locale'] = $locale;
		retino_test_boot();
		assert_same( array( 'retino-returns' ), array_keys( $GLOBALS['retino_test']['textdomains'] ), $locale );
		assert_same( $label, apply_filters( 'woocommerce_account_menu_items', array() )['returns'], $locale );
	}
}

function test_a_czech_e_mail_is_all_czech_and_opens_the_portal_in_czech() {
	$GLOBALS['retino_test']['locale'] = 'cs_CZ';
	retino_test_boot();

	$query = '&#038;email=jana%2Bshop%40example.cz&#038;order=1042&#038;lang=cs';
	assert_same(
		'<p class="retino-returns-email">Potřebujete vrátit zboží nebo podat reklamaci? '
			. '<a href="' . RETINO_TEST_STOREFRONT . 'start?type=return' . $query . '">Vrátit zboží</a> | '
			. '<a href="' . RETINO_TEST_STOREFRONT . 'start?type=complaint' . $query . '">Podat reklamaci</a></p>',
		retino_test_email( false, false )
	);
}

function test_uninstall_deletes_the_plugin_options_only() {
	retino_test_set_options(
		array(
			'retino_returns_url'      => 'https://returns.example.com',
			'retino_returns_channel'  => RETINO_TEST_CHANNEL,
			'retino_returns_launcher' => 'no',
			'retino_returns_emails'   => 'yes',
			'retino_returns_account'  => 'no',
			'blogname'                => 'Shop',
		)
	);

	retino_test_uninstall();

	assert_same( array( 1 => array( 'blogname' => 'Shop' ) ), $GLOBALS['retino_test']['options'] );
}

function test_uninstall_on_a_network_cleans_every_site() {
	$GLOBALS['retino_test']['multisite'] = true;
	$GLOBALS['retino_test']['sites']     = array( 1, 2, 5 );
	$GLOBALS['retino_test']['options']   = array(
		1 => array(
			'retino_returns_url' => 'https://a.example',
			'blogname'           => 'A',
		),
		2 => array( 'retino_returns_channel' => 'x' ),
		5 => array(
			'retino_returns_emails' => 'no',
			'blogname'              => 'E',
		),
	);

	retino_test_uninstall();

	assert_same(
		array(
			1 => array( 'blogname' => 'A' ),
			2 => array(),
			5 => array( 'blogname' => 'E' ),
		),
		$GLOBALS['retino_test']['options']
	);
	assert_same( 1, $GLOBALS['retino_test']['blog'] );
}

function retino_test_uninstall() {
	if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
		define( 'WP_UNINSTALL_PLUGIN', RETINO_TEST_PLUGIN_ID );
	}
	include dirname( __DIR__ ) . '/uninstall.php';
}

/**
 * The plugin must parse on PHP 7.4 ("Requires PHP: 7.4"); this PHP is newer, so `php -l` alone
 * would accept PHP 8 syntax. Flags PHP 8 tokens, and parameter lists with promoted properties,
 * union types or a trailing comma.
 */
function test_the_plugin_uses_no_php_8_syntax() {
	$php8_tokens = array();
	foreach ( array( 'T_MATCH', 'T_NULLSAFE_OBJECT_OPERATOR', 'T_ATTRIBUTE', 'T_ENUM', 'T_READONLY' ) as $name ) {
		if ( defined( $name ) ) {
			$php8_tokens[ constant( $name ) ] = $name;
		}
	}
	$problems = array();
	foreach ( retino_test_plugin_php_files() as $file ) {
		$tokens = array_values(
			array_filter(
				token_get_all( file_get_contents( $file ) ),
				function ( $token ) {
					return ! is_array( $token ) || ! in_array( $token[0], array( T_WHITESPACE, T_COMMENT, T_DOC_COMMENT ), true );
				}
			)
		);
		foreach ( $tokens as $index => $token ) {
			if ( is_array( $token ) && isset( $php8_tokens[ $token[0] ] ) ) {
				$problems[] = basename( $file ) . ':' . $token[2] . ' ' . $php8_tokens[ $token[0] ];
			}
			if ( ! is_array( $token ) || ! in_array( $token[0], array( T_FUNCTION, T_FN ), true ) ) {
				continue;
			}
			$open = $index + 1;
			while ( isset( $tokens[ $open ] ) && '(' !== $tokens[ $open ] ) {
				++$open;
			}
			$depth = 0;
			for ( $at = $open; isset( $tokens[ $at ] ); $at++ ) {
				$depth += '(' === $tokens[ $at ] ? 1 : ( ')' === $tokens[ $at ] ? -1 : 0 );
				if ( 0 === $depth ) {
					if ( ',' === $tokens[ $at - 1 ] ) {
						$problems[] = basename( $file ) . ':' . $token[2] . ' trailing comma in parameters';
					}
					break;
				}
				if ( 1 === $depth && ( '|' === $tokens[ $at ] || ( is_array( $tokens[ $at ] ) && in_array( $tokens[ $at ][0], array( T_PUBLIC, T_PROTECTED, T_PRIVATE ), true ) ) ) ) {
					$problems[] = basename( $file ) . ':' . $token[2] . ' union type or promoted property';
				}
			}
		}
	}
	assert_same( array(), $problems );
	assert_same( 10, count( retino_test_plugin_php_files() ), 'files checked' );
}

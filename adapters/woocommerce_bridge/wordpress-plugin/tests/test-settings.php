<?php
/**
 * The settings: validation, the Settings API callbacks, the admin page and the connect return.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

const RETINO_TEST_PAGE_HOOK = 'load-woocommerce_page_retino-returns';

/** Booted as in wp-admin: the menu and the settings registered. */
function retino_test_boot_admin( array $options = array() ) {
	$plugin = retino_test_boot( $options );
	do_action( 'admin_menu' );
	do_action( 'admin_init' );
	return $plugin;
}

function retino_test_stored( $option ) {
	return get_option( $option, 'MISSING' );
}

function test_retino_url_normalization() {
	$cases = array(
		'https://returns.example.com'                => 'https://returns.example.com',
		'  https://Returns.Example.COM/  '           => 'https://returns.example.com',
		'returns.example.com'                        => 'https://returns.example.com',
		'https://example.com/retino/'                => 'https://example.com/retino',
		'https://example.com:8443/'                  => 'https://example.com:8443',
		'HTTPS://returns.example.com'                => 'https://returns.example.com',
		'http://localhost:5000'                      => 'http://localhost:5000',
		'http://127.0.0.1:5000/'                     => 'http://127.0.0.1:5000',
		'localhost:5000'                             => 'https://localhost:5000',
		''                                           => '',
		'   '                                        => '',
		'http://returns.example.com'                 => null,
		'http://localhost.example.com'               => null,
		'http://127.0.0.2'                           => null,
		'ftp://returns.example.com'                  => null,
		'javascript:alert(1)'                        => null,
		'https://user:secret@returns.example.com'    => null,
		'https://returns.example.com/?channel=1'     => null,
		'https://returns.example.com/#top'           => null,
		'https://returns example.com'                => null,
		'https://returns.example.com/"><script>'     => null,
		"https://returns\n.example.com"              => null,
		'https://'                                   => null,
		'https://-returns.example.com'               => null,
		'https://returns_example.com'                => null,
	);
	foreach ( $cases as $input => $expected ) {
		assert_same( $expected, Retino_Returns_Settings::normalize_url( (string) $input ), var_export( $input, true ) );
	}
}

function test_channel_id_validation() {
	$cases = array(
		RETINO_TEST_CHANNEL      => true,
		'a'                      => true,
		str_repeat( 'Z', 32 )    => true,
		str_repeat( 'Z', 33 )    => false,
		''                       => false,
		"abc\n"                  => false,
		'ab cd'                  => false,
		'ab.cd'                  => false,
		'ab/cd'                  => false,
		'čj'                     => false,
		'"><script>'             => false,
	);
	foreach ( $cases as $input => $expected ) {
		assert_same( $expected, Retino_Returns_Settings::is_valid_channel_id( (string) $input ), var_export( $input, true ) );
	}
	assert_same( false, Retino_Returns_Settings::is_valid_channel_id( 12 ), 'an integer' );
}

function test_options_are_registered_with_their_sanitize_callbacks() {
	retino_test_boot_admin();

	$registered = $GLOBALS['retino_test']['settings'];
	assert_same( array( 'retino_returns_url', 'retino_returns_channel', 'retino_returns_launcher', 'retino_returns_emails', 'retino_returns_account' ), array_keys( $registered ) );
	foreach ( $registered as $name => $setting ) {
		assert_same( 'retino_returns', $setting['group'], $name );
		assert_same( 'string', $setting['type'], $name );
		assert_same( 1, count( retino_test_callbacks( "sanitize_option_{$name}" ) ), $name );
	}
	assert_same( 'manage_woocommerce', apply_filters( 'option_page_capability_retino_returns', 'manage_options' ) );
}

function test_saving_normalizes_a_good_url_and_channel() {
	retino_test_boot_admin( array( 'retino_returns_url' => 'https://old.example.com' ) );

	assert_same( true, update_option( 'retino_returns_url', ' https://Returns.Example.com/retino/ ' ) );
	assert_same( true, update_option( 'retino_returns_channel', ' New-Channel_1 ' ) );
	assert_same( 'https://returns.example.com/retino', retino_test_stored( 'retino_returns_url' ) );
	assert_same( 'New-Channel_1', retino_test_stored( 'retino_returns_channel' ) );
	assert_same( array(), get_settings_errors() );
}

function test_an_http_url_is_refused_and_the_previous_one_kept() {
	retino_test_boot_admin( array( 'retino_returns_url' => 'https://old.example.com' ) );

	update_option( 'retino_returns_url', 'http://returns.example.com' );
	update_option( 'retino_returns_url', 'javascript:alert(1)' );

	assert_same( 'https://old.example.com', retino_test_stored( 'retino_returns_url' ) );
	assert_same(
		array(
			array(
				'setting' => 'retino_returns_url',
				'code'    => 'invalid_url',
				'message' => 'The Retino URL must be an address starting with https:// (http:// is accepted only for localhost). The previous value was kept.',
				'type'    => 'error',
			),
		),
		get_settings_errors()
	);
}

function test_a_first_save_of_a_bad_url_stores_nothing_and_says_so_once() {
	retino_test_boot_admin();
	$GLOBALS['retino_test']['options'][1] = array();

	update_option( 'retino_returns_url', 'http://returns.example.com' );

	assert_same( '', retino_test_stored( 'retino_returns_url' ) );
	assert_same( array( 'invalid_url' ), array_column( get_settings_errors(), 'code' ) );
}

function test_a_bad_channel_id_is_refused_and_the_previous_one_kept() {
	retino_test_boot_admin();

	update_option( 'retino_returns_channel', 'abc/../def' );
	update_option( 'retino_returns_channel', 'ab%2Fcd' );
	update_option( 'retino_returns_channel', array( 'abc' ) );

	assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ) );
	assert_same(
		array(
			array(
				'setting' => 'retino_returns_channel',
				'code'    => 'invalid_channel',
				'message' => 'The channel ID may contain only letters, digits, &quot;-&quot; and &quot;_&quot; (at most 32 characters). The previous value was kept.',
				'type'    => 'error',
			),
		),
		get_settings_errors()
	);
}

function test_a_field_missing_from_the_form_keeps_the_stored_value() {
	retino_test_boot_admin();

	update_option( 'retino_returns_url', null );
	update_option( 'retino_returns_channel', null );

	assert_same( 'https://returns.example.com', retino_test_stored( 'retino_returns_url' ) );
	assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ) );
	assert_same( array(), get_settings_errors() );
}

function test_a_url_that_is_not_text_is_refused() {
	retino_test_boot_admin();

	update_option( 'retino_returns_url', array( 'https://evil.example' ) );

	assert_same( 'https://returns.example.com', retino_test_stored( 'retino_returns_url' ) );
	assert_same( array( 'invalid_url' ), array_column( get_settings_errors(), 'code' ) );
}

function test_clearing_the_url_and_channel_is_allowed() {
	retino_test_boot_admin();

	update_option( 'retino_returns_url', '' );
	update_option( 'retino_returns_channel', '' );

	assert_same( '', retino_test_stored( 'retino_returns_url' ) );
	assert_same( '', retino_test_stored( 'retino_returns_channel' ) );
	assert_same( array(), get_settings_errors() );
}

function test_checkboxes_store_yes_or_no() {
	retino_test_boot_admin();

	$cases = array(
		array( 'yes', 'yes' ),
		array( '1', 'yes' ),
		array( null, 'no' ),
		array( '', 'no' ),
		array( 'on; DROP TABLE', 'no' ),
		array( array( 'yes' ), 'no' ),
	);
	foreach ( $cases as $case ) {
		update_option( 'retino_returns_emails', $case[0] );
		assert_same( $case[1], retino_test_stored( 'retino_returns_emails' ), var_export( $case[0], true ) );
	}
}

function test_settings_page_is_under_woocommerce_for_shop_managers() {
	retino_test_boot_admin();

	$page = $GLOBALS['retino_test']['submenu']['retino-returns'];
	assert_same( 'woocommerce', $page['parent_slug'] );
	assert_same( 'Returns & complaints', $page['page_title'] );
	assert_same( 'Returns & complaints', $page['menu_title'] );
	assert_same( 'manage_woocommerce', $page['capability'] );
	assert_same( 1, count( retino_test_callbacks( RETINO_TEST_PAGE_HOOK ) ) );
	assert_same(
		array(
			'settings'   => '<a href="https://shop.example/wp-admin/admin.php?page=retino-returns">Settings</a>',
			'deactivate' => '<a href="#">Deactivate</a>',
		),
		apply_filters( 'plugin_action_links_wordpress-plugin/retino-returns.php', array( 'deactivate' => '<a href="#">Deactivate</a>' ) )
	);
	assert_same( array( 'message', 'retino_channel', '_retino_nonce' ), apply_filters( 'removable_query_args', array( 'message' ) ) );
}

function test_settings_page_renders_the_form_and_the_connect_button() {
	retino_test_boot_admin( array( 'retino_returns_launcher' => 'no' ) );
	$nonce = wp_create_nonce( 'retino_returns_connect' );

	$return  = 'https%3A%2F%2Fshop.example%2Fwp-admin%2Fadmin.php%3Fpage%3Dretino-returns%26_retino_nonce%3D' . $nonce;
	$connect = 'https://returns.example.com/connect/woocommerce/start?store_url=https%3A%2F%2Fshop.example%2F&#038;return_url=' . $return;
	assert_same(
		'<div class="wrap"><h1>Returns &amp; complaints</h1>'
			. '<form method="post" action="options.php">'
			. "<input type='hidden' name='option_page' value='retino_returns' />"
			. '<input type="hidden" name="action" value="update" />'
			. '<input type="hidden" id="_wpnonce" name="_wpnonce" value="' . wp_create_nonce( 'retino_returns-options' ) . '" />'
			. "<h2>Connection</h2>\n"
			. '<p>Enter the address of your Retino and save. Then click &quot;Connect this store&quot;: Retino has WooCommerce issue API keys for this store and fills in the channel ID.</p>'
			. '<table class="form-table" role="presentation">'
			. '<tr><th scope="row"><label for="retino_returns_url">Retino URL</label></th><td>'
			. '<input type="url" id="retino_returns_url" name="retino_returns_url" value="https://returns.example.com" class="regular-text code" placeholder="https://returns.example.com" />'
			. '<p class="description">The address of your Retino installation. It must use https:// (http:// only for localhost).</p></td></tr>'
			. '<tr><th scope="row"><label for="retino_returns_channel">Channel ID</label></th><td>'
			. '<input type="text" id="retino_returns_channel" name="retino_returns_channel" value="' . RETINO_TEST_CHANNEL . '" class="regular-text code" maxlength="32" pattern="[A-Za-z0-9_\-]{1,32}" />'
			. '<p class="description">Filled in when you connect the store. You can also copy it from the sales channel in Retino.</p></td></tr>'
			. '</table>'
			. "<h2>Display</h2>\n"
			. '<table class="form-table" role="presentation">'
			. '<tr><th scope="row"><label for="retino_returns_launcher">Launcher button</label></th><td>'
			. '<label><input type="checkbox" id="retino_returns_launcher" name="retino_returns_launcher" value="yes" /> Show the floating &quot;Returns &amp; complaints&quot; button on every page of the shop</label></td></tr>'
			. '<tr><th scope="row"><label for="retino_returns_emails">Order e-mails</label></th><td>'
			. '<label><input type="checkbox" id="retino_returns_emails" name="retino_returns_emails" value="yes" checked="checked" /> Add the return and complaint links to customer order e-mails</label></td></tr>'
			. '<tr><th scope="row"><label for="retino_returns_account">My Account</label></th><td>'
			. '<label><input type="checkbox" id="retino_returns_account" name="retino_returns_account" value="yes" checked="checked" /> Add the &quot;Returns &amp; complaints&quot; tab to My Account</label></td></tr>'
			. '</table>'
			. '<p class="submit"><input type="submit" name="submit" id="submit" class="button button-primary" value="Save Changes" /></p>'
			. '</form>'
			. '<h2>Connect this store</h2>'
			. '<p><a class="button button-primary" href="' . $connect . '">Connect this store</a></p>'
			. '</div>',
		retino_test_output( $GLOBALS['retino_test']['submenu']['retino-returns']['callback'] )
	);
}

function test_settings_page_asks_for_the_url_before_connecting_and_escapes_stored_values() {
	retino_test_boot_admin(
		array(
			'retino_returns_url'     => 'https://returns.example.com/"><script>alert(1)</script>',
			'retino_returns_channel' => '"><b>',
		)
	);

	$page = retino_test_output( $GLOBALS['retino_test']['submenu']['retino-returns']['callback'] );
	assert_same( 1, substr_count( $page, 'value="https://returns.example.com/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' ) );
	assert_same( 1, substr_count( $page, 'value="&quot;&gt;&lt;b&gt;"' ) );
	assert_same( 0, substr_count( $page, '<script' ) );
	assert_same( 0, substr_count( $page, '/connect/' ) );
	assert_same( 1, substr_count( $page, '<h2>Connect this store</h2><p>Save the Retino URL first; then you can connect the store.</p></div>' ) );
}

function test_settings_page_shows_nothing_to_users_who_cannot_manage_woocommerce() {
	retino_test_boot_admin();
	$GLOBALS['retino_test']['caps'] = array( 'read' );

	assert_same( '', retino_test_output( $GLOBALS['retino_test']['submenu']['retino-returns']['callback'] ) );
}

function test_connect_return_with_a_valid_nonce_stores_the_channel() {
	retino_test_boot_admin( array( 'retino_returns_channel' => '' ) );
	$_GET = array(
		'page'           => 'retino-returns',
		'retino_channel' => 'Zz9_New-Channel_0000001',
		'_retino_nonce'  => wp_create_nonce( 'retino_returns_connect' ),
	);

	do_action( RETINO_TEST_PAGE_HOOK );

	assert_same( 'Zz9_New-Channel_0000001', retino_test_stored( 'retino_returns_channel' ) );
	assert_same(
		array(
			array(
				'setting' => 'retino_returns',
				'code'    => 'connected',
				'message' => 'The store is connected to Retino (channel Zz9_New-Channel_0000001).',
				'type'    => 'success',
			),
		),
		get_settings_errors()
	);
	$page = retino_test_output( $GLOBALS['retino_test']['submenu']['retino-returns']['callback'] );
	assert_same(
		1,
		substr_count( $page, '<h1>Returns &amp; complaints</h1><div id="setting-error-connected" class="notice notice-success settings-error is-dismissible"><p><strong>The store is connected to Retino (channel Zz9_New-Channel_0000001).</strong></p></div><form' )
	);
}

function test_connect_return_without_a_valid_nonce_stores_nothing() {
	$nonces = array(
		'missing'        => null,
		'empty'          => '',
		'wrong'          => 'deadbeef00',
		'another action' => wp_create_nonce( 'retino_returns-options' ),
		'an array'       => array( wp_create_nonce( 'retino_returns_connect' ) ),
	);
	foreach ( $nonces as $label => $nonce ) {
		retino_test_reset();
		retino_test_boot_admin();
		$_GET = array( 'retino_channel' => 'Zz9_New-Channel_0000001' );
		if ( null !== $nonce ) {
			$_GET['_retino_nonce'] = $nonce;
		}

		do_action( RETINO_TEST_PAGE_HOOK );

		assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ), $label );
		assert_same( array( 'connect_refused' ), array_column( get_settings_errors(), 'code' ), $label );
		assert_same( 'error', get_settings_errors()[0]['type'], $label );
	}
}

function test_connect_return_for_another_user_stores_nothing() {
	retino_test_boot_admin();
	$_GET                              = array(
		'retino_channel' => 'Zz9_New-Channel_0000001',
		'_retino_nonce'  => wp_create_nonce( 'retino_returns_connect' ),
	);
	$GLOBALS['retino_test']['user_id'] = 8;

	do_action( RETINO_TEST_PAGE_HOOK );

	assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ) );
	assert_same( array( 'connect_refused' ), array_column( get_settings_errors(), 'code' ) );
}

function test_connect_return_without_the_capability_stores_nothing() {
	retino_test_boot_admin();
	$_GET                           = array(
		'retino_channel' => 'Zz9_New-Channel_0000001',
		'_retino_nonce'  => wp_create_nonce( 'retino_returns_connect' ),
	);
	$GLOBALS['retino_test']['caps'] = array( 'read', 'edit_posts' );

	do_action( RETINO_TEST_PAGE_HOOK );

	assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ) );
	assert_same( array( 'connect_refused' ), array_column( get_settings_errors(), 'code' ) );
}

function test_connect_return_with_a_malformed_channel_stores_nothing() {
	foreach ( array( '', 'abc def', str_repeat( 'a', 33 ), '"><script>alert(1)</script>', 'ab%2Fcd', array( 'abc' ) ) as $channel ) {
		retino_test_reset();
		retino_test_boot_admin();
		$_GET = array(
			'retino_channel' => $channel,
			'_retino_nonce'  => wp_create_nonce( 'retino_returns_connect' ),
		);

		do_action( RETINO_TEST_PAGE_HOOK );

		assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ), var_export( $channel, true ) );
		assert_same(
			array(
				array(
					'setting' => 'retino_returns',
					'code'    => 'connect_invalid_channel',
					'message' => 'Retino sent back a channel ID that is not valid. Nothing was saved.',
					'type'    => 'error',
				),
			),
			get_settings_errors(),
			var_export( $channel, true )
		);
	}
}

function test_the_page_without_a_connect_return_changes_nothing() {
	retino_test_boot_admin();
	$_GET = array(
		'page'          => 'retino-returns',
		'_retino_nonce' => wp_create_nonce( 'retino_returns_connect' ),
	);

	do_action( RETINO_TEST_PAGE_HOOK );

	assert_same( RETINO_TEST_CHANNEL, retino_test_stored( 'retino_returns_channel' ) );
	assert_same( array(), get_settings_errors() );
}

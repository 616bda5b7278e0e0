<?php
/**
 * My Account → Returns & complaints.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

const RETINO_TEST_ACCOUNT_ITEMS = array(
	'dashboard'       => 'Dashboard',
	'orders'          => 'Orders',
	'edit-account'    => 'Account details',
	'customer-logout' => 'Log out',
);

function retino_test_account_row( $number, $email, $datetime, $date ) {
	$start = RETINO_TEST_STOREFRONT . 'start?type=';
	$query = '&#038;email=' . $email . '&#038;order=' . $number . '&#038;lang=en';
	return '<tr><td data-title="Order">Order #' . $number . '</td>'
		. '<td data-title="Date"><time datetime="' . $datetime . '">' . $date . '</time></td>'
		. '<td><a class="woocommerce-button button" href="' . $start . 'return' . $query . '" data-retino-open="return">Return goods</a> '
		. '<a class="woocommerce-button button" href="' . $start . 'complaint' . $query . '" data-retino-open="complaint">File a complaint</a></td></tr>';
}

const RETINO_TEST_ACCOUNT_HEAD = '<p>Choose the order you want to return goods from or file a complaint about.</p>'
	. '<table class="woocommerce-orders-table shop_table shop_table_responsive retino-returns-orders">'
	. '<thead><tr><th scope="col">Order</th><th scope="col">Date</th><th scope="col"><span class="screen-reader-text">Actions</span></th></tr></thead><tbody>';

function test_endpoint_is_registered_for_pages_and_root() {
	retino_test_boot();

	assert_same( array( array( EP_ROOT | EP_PAGES, 'returns', 'returns' ) ), $GLOBALS['wp_rewrite']->endpoints );
	assert_same( 1, count( retino_test_callbacks( 'woocommerce_account_returns_endpoint' ) ) );
}

function test_account_menu_gets_the_tab_before_log_out() {
	retino_test_boot();

	assert_same(
		array(
			'dashboard'       => 'Dashboard',
			'orders'          => 'Orders',
			'edit-account'    => 'Account details',
			'returns'         => 'Returns & complaints',
			'customer-logout' => 'Log out',
		),
		apply_filters( 'woocommerce_account_menu_items', RETINO_TEST_ACCOUNT_ITEMS, array() )
	);
	assert_same(
		array(
			'dashboard' => 'Dashboard',
			'returns'   => 'Returns & complaints',
		),
		apply_filters( 'woocommerce_account_menu_items', array( 'dashboard' => 'Dashboard' ), array() ),
		'no log-out item'
	);
}

function test_account_menu_is_unchanged_when_the_tab_is_off_or_the_plugin_unconfigured() {
	retino_test_boot( array( 'retino_returns_account' => 'no' ) );
	assert_same( RETINO_TEST_ACCOUNT_ITEMS, apply_filters( 'woocommerce_account_menu_items', RETINO_TEST_ACCOUNT_ITEMS, array() ) );

	retino_test_reset();
	retino_test_boot_unconfigured();
	assert_same( RETINO_TEST_ACCOUNT_ITEMS, apply_filters( 'woocommerce_account_menu_items', RETINO_TEST_ACCOUNT_ITEMS, array() ), 'unconfigured' );
}

function test_account_tab_lists_the_recent_paid_orders_with_prefilled_links() {
	retino_test_boot();
	$GLOBALS['retino_test']['orders'] = array(
		new WC_Order( '1042', 'jana+shop@example.cz', '2026-03-01 10:00:00' ),
		new WC_Order( '1038', 'jana@example.cz', '2026-02-14 18:30:00' ),
	);

	assert_same(
		RETINO_TEST_ACCOUNT_HEAD
			. retino_test_account_row( '1042', 'jana%2Bshop%40example.cz', '2026-03-01T10:00:00+01:00', 'March 1, 2026' )
			. retino_test_account_row( '1038', 'jana%40example.cz', '2026-02-14T18:30:00+01:00', 'February 14, 2026' )
			. '</tbody></table>',
		retino_test_output( 'do_action', 'woocommerce_account_returns_endpoint', '' )
	);
	assert_same(
		array(
			array(
				'customer' => 7,
				'limit'    => 20,
				'status'   => array( 'processing', 'completed' ),
				'orderby'  => 'date',
				'order'    => 'DESC',
			),
		),
		$GLOBALS['retino_test']['order_queries']
	);
}

function test_account_links_encode_hostile_order_numbers_and_e_mails() {
	retino_test_boot();
	$GLOBALS['retino_test']['orders'] = array( new WC_Order( '<b>"7\'&', 'a"b<c>@example.cz', null ) );

	$start = RETINO_TEST_STOREFRONT . 'start?type=';
	$query = '&#038;email=a%22b%3Cc%3E%40example.cz&#038;order=%3Cb%3E%227%27%26&#038;lang=en';
	assert_same(
		RETINO_TEST_ACCOUNT_HEAD
			. '<tr><td data-title="Order">Order #&lt;b&gt;&quot;7&#039;&amp;</td><td data-title="Date"></td>'
			. '<td><a class="woocommerce-button button" href="' . $start . 'return' . $query . '" data-retino-open="return">Return goods</a> '
			. '<a class="woocommerce-button button" href="' . $start . 'complaint' . $query . '" data-retino-open="complaint">File a complaint</a></td></tr>'
			. '</tbody></table>',
		retino_test_output( 'do_action', 'woocommerce_account_returns_endpoint', '' )
	);
}

function test_account_tab_without_orders_says_so() {
	retino_test_boot();

	assert_same(
		'<p>Choose the order you want to return goods from or file a complaint about.</p><p>You have no orders to return or complain about yet.</p>',
		retino_test_output( 'do_action', 'woocommerce_account_returns_endpoint', '' )
	);
}

function test_account_tab_switched_off_queries_nothing() {
	retino_test_boot( array( 'retino_returns_account' => 'no' ) );
	$GLOBALS['retino_test']['orders'] = array( new WC_Order( '1042', 'jana@example.cz', null ) );

	assert_same(
		'<p>Returns and complaints are not available here at the moment. Please contact us.</p>',
		retino_test_output( 'do_action', 'woocommerce_account_returns_endpoint', '' )
	);
	assert_same( array(), $GLOBALS['retino_test']['order_queries'] );
}

<?php
/**
 * The returns line in order e-mails.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

function test_html_customer_e_mail_gets_both_prefilled_links() {
	retino_test_boot();

	$query = '&#038;email=jana%2Bshop%40example.cz&#038;order=1042&#038;lang=en';
	assert_same(
		'<p class="retino-returns-email">Need to return something or file a complaint? '
			. '<a href="' . RETINO_TEST_STOREFRONT . 'start?type=return' . $query . '">Return goods</a> | '
			. '<a href="' . RETINO_TEST_STOREFRONT . 'start?type=complaint' . $query . '">File a complaint</a></p>',
		retino_test_email( false, false )
	);
}

function test_plain_text_customer_e_mail_gets_raw_urls_in_the_e_mail_language() {
	$GLOBALS['retino_test']['locale'] = 'de_DE';
	retino_test_boot();

	$query = '&email=jana%2Bshop%40example.cz&order=1042&lang=de';
	assert_same(
		"\nMöchten Sie etwas zurücksenden oder reklamieren?\n"
			. 'Ware zurücksenden: ' . RETINO_TEST_STOREFRONT . 'start?type=return' . $query . "\n"
			. 'Reklamation einreichen: ' . RETINO_TEST_STOREFRONT . 'start?type=complaint' . $query . "\n\n",
		retino_test_email( false, true )
	);
}

function test_e_mails_to_the_shop_get_nothing() {
	retino_test_boot();

	assert_same( '', retino_test_email( true, false, 'new_order' ), 'new order' );
	assert_same( '', retino_test_email( true, true, 'new_order' ), 'new order, plain' );
	assert_same( '', retino_test_email( true, false, 'customer_completed_order' ), 'a customer e-mail copied to the shop' );
}

function test_only_the_listed_customer_e_mails_get_the_line() {
	retino_test_boot();

	foreach ( array( 'customer_processing_order', 'customer_completed_order', 'customer_invoice', 'customer_note' ) as $id ) {
		assert_same( 1, substr_count( retino_test_email( false, false, $id ), 'class="retino-returns-email"' ), $id );
	}
	foreach ( array( 'customer_on_hold_order', 'customer_refunded_order', 'customer_reset_password', 'customer_new_account' ) as $id ) {
		assert_same( '', retino_test_email( false, false, $id ), $id );
	}
	assert_same( 1, substr_count( retino_test_email( false, false, null ), 'class="retino-returns-email"' ), 'no e-mail object' );
}

function test_the_e_mail_list_can_be_extended_by_a_filter() {
	retino_test_boot();
	add_filter(
		'retino_returns_email_ids',
		function ( $ids ) {
			$ids[] = 'customer_on_hold_order';
			return $ids;
		}
	);

	assert_same( 1, substr_count( retino_test_email( false, false, 'customer_on_hold_order' ), 'class="retino-returns-email"' ) );
}

function test_e_mail_line_is_off_when_switched_off_or_unconfigured() {
	retino_test_boot( array( 'retino_returns_emails' => 'no' ) );
	assert_same( '', retino_test_email( false, false ), 'switched off' );

	retino_test_reset();
	retino_test_boot_unconfigured();
	assert_same( '', retino_test_email( false, false ), 'unconfigured' );
	assert_same( '', retino_test_email( false, true ), 'unconfigured, plain' );
}

function test_e_mail_hook_takes_all_four_arguments_after_the_order_table() {
	retino_test_boot();

	$hooks = $GLOBALS['retino_test']['hooks']['woocommerce_email_after_order_table'];
	assert_same( array( 20 ), array_keys( $hooks ) );
	assert_same( 4, $hooks[20][0][1] );
}

<?php
/**
 * Test doubles of the WooCommerce classes and functions the plugin calls.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test doubles, named and shaped like WooCommerce's own.

/** Its presence is how the plugin tells that WooCommerce is active. */
class WooCommerce {
}

/** WooCommerce's date class: a DateTime with date() formatting in the site's time zone. */
class WC_DateTime extends DateTime {
	public function date( $format ) {
		return $this->format( $format );
	}
}

/** An order: the getters the plugin reads. */
class WC_Order {
	private $number;
	private $email;
	private $created;

	public function __construct( $number, $email, $created = null ) {
		$this->number  = $number;
		$this->email   = $email;
		$this->created = null === $created ? null : new WC_DateTime( $created, new DateTimeZone( 'Europe/Prague' ) );
	}

	public function get_order_number() {
		return (string) apply_filters( 'woocommerce_order_number', $this->number, $this );
	}

	public function get_billing_email() {
		return $this->email;
	}

	public function get_date_created() {
		return $this->created;
	}
}

/** An e-mail: the plugin reads only its id. */
class WC_Email {
	public $id;

	public function __construct( $id ) {
		$this->id = $id;
	}
}

/** Returns the orders the test put in place and records the query. */
function wc_get_orders( $args ) {
	$GLOBALS['retino_test']['order_queries'][] = $args;
	return $GLOBALS['retino_test']['orders'];
}

function wc_get_is_paid_statuses() {
	return apply_filters( 'woocommerce_order_is_paid_statuses', array( 'processing', 'completed' ) );
}

/** WooCommerce formats with the site's date format ("F j, Y" by default). */
function wc_format_datetime( $date, $format = '' ) {
	if ( ! $date instanceof WC_DateTime ) {
		return '';
	}
	return $date->date( '' === $format ? (string) get_option( 'date_format', 'F j, Y' ) : $format );
}

<?php
/**
 * The returns line in customer order e-mails, with the order's pre-filled direct links.
 *
 * WooCommerce sends customer e-mails in the customer's language, so the links carry that
 * language too (`lang=`), and the portal opens in the language the e-mail was written in.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * Order e-mails.
 */
class Retino_Returns_Emails {

	/** The customer e-mails that get the line (filter: `retino_returns_email_ids`). */
	const EMAIL_IDS = array( 'customer_processing_order', 'customer_completed_order', 'customer_invoice', 'customer_note' );

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
	 * Hooks the e-mail line in.
	 */
	public function register_hooks() {
		add_action( 'woocommerce_email_after_order_table', array( $this, 'after_order_table' ), 20, 4 );
	}

	/**
	 * Prints the line after the order table of a customer e-mail (never in one sent to the shop).
	 *
	 * @param WC_Order      $order         The order.
	 * @param bool          $sent_to_admin Whether the e-mail goes to the shop.
	 * @param bool          $plain_text    Whether it is the plain-text variant.
	 * @param WC_Email|null $email         The e-mail (some extensions leave it out).
	 */
	public function after_order_table( $order, $sent_to_admin = false, $plain_text = false, $email = null ) {
		if ( $sent_to_admin || ! $this->settings->emails_enabled() || ! $this->settings->is_configured() ) {
			return;
		}
		if ( ! is_object( $order ) || ! method_exists( $order, 'get_order_number' ) || ! method_exists( $order, 'get_billing_email' ) ) {
			return;
		}
		if ( is_object( $email ) && isset( $email->id ) ) {
			$email_ids = (array) apply_filters( 'retino_returns_email_ids', self::EMAIL_IDS );
			if ( ! in_array( $email->id, $email_ids, true ) ) {
				return;
			}
		}
		$number = (string) $order->get_order_number();
		$mail   = (string) $order->get_billing_email();
		$return = $this->links->direct_link( 'return', $mail, $number );
		$claim  = $this->links->direct_link( 'complaint', $mail, $number );
		$intro  = __( 'Need to return something or file a complaint?', 'retino-returns' );
		if ( $plain_text ) {
			// Texts as WooCommerce's plain-text templates print them; the URLs keep their raw "&".
			echo "\n" . esc_html( wp_strip_all_tags( $intro ) ) . "\n"
				. esc_html( Retino_Returns_Frontend::type_label( 'return' ) ) . ': ' . esc_url_raw( $return ) . "\n"
				. esc_html( Retino_Returns_Frontend::type_label( 'complaint' ) ) . ': ' . esc_url_raw( $claim ) . "\n\n";
			return;
		}
		printf(
			'<p class="retino-returns-email">%1$s <a href="%2$s">%3$s</a> | <a href="%4$s">%5$s</a></p>',
			esc_html( $intro ),
			esc_url( $return ),
			esc_html( Retino_Returns_Frontend::type_label( 'return' ) ),
			esc_url( $claim ),
			esc_html( Retino_Returns_Frontend::type_label( 'complaint' ) )
		);
	}
}

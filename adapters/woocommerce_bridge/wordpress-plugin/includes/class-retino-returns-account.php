<?php
/**
 * My Account → "Returns & complaints": the customer's recent orders, each with its pre-filled links.
 *
 * The links carry `data-retino-open`: the widget opens them in its overlay; without JavaScript they
 * are plain links to Retino's portal, which verifies the order number and e-mail itself.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * The My Account endpoint.
 */
class Retino_Returns_Account {

	/** The endpoint's slug (`/my-account/returns/`). */
	const ENDPOINT = 'returns';

	/** How many recent orders the tab lists. */
	const ORDER_LIMIT = 20;

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
	 * Hooks the endpoint in.
	 */
	public function register_hooks() {
		add_action( 'init', array( __CLASS__, 'add_endpoint' ) );
		add_filter( 'woocommerce_account_menu_items', array( $this, 'menu_items' ) );
		add_action( 'woocommerce_account_' . self::ENDPOINT . '_endpoint', array( $this, 'render' ) );
	}

	/**
	 * Registers the rewrite endpoint (always, so the rewrite rules do not depend on the settings).
	 */
	public static function add_endpoint() {
		add_rewrite_endpoint( self::ENDPOINT, EP_ROOT | EP_PAGES );
	}

	/**
	 * Whether the tab is shown: switched on and the plugin configured.
	 *
	 * @return bool
	 */
	public function is_enabled() {
		return $this->settings->account_enabled() && $this->settings->is_configured();
	}

	/**
	 * Adds "Returns & complaints" to the account menu, before "Log out" (or last when there is none).
	 *
	 * @param array $items Menu items, endpoint => label.
	 * @return array
	 */
	public function menu_items( $items ) {
		if ( ! is_array( $items ) || ! $this->is_enabled() ) {
			return $items;
		}
		$label  = __( 'Returns & complaints', 'retino-returns' );
		$result = array();
		foreach ( $items as $endpoint => $item_label ) {
			if ( 'customer-logout' === $endpoint ) {
				$result[ self::ENDPOINT ] = $label;
			}
			$result[ $endpoint ] = $item_label;
		}
		if ( ! isset( $result[ self::ENDPOINT ] ) ) {
			$result[ self::ENDPOINT ] = $label;
		}
		return $result;
	}

	/**
	 * Prints the tab: the customer's recent paid orders, each with "Return goods" and "File a complaint".
	 */
	public function render() {
		if ( ! $this->is_enabled() ) {
			echo '<p>' . esc_html__( 'Returns and complaints are not available here at the moment. Please contact us.', 'retino-returns' ) . '</p>';
			return;
		}
		$orders = wc_get_orders(
			array(
				'customer' => get_current_user_id(),
				'limit'    => self::ORDER_LIMIT,
				'status'   => wc_get_is_paid_statuses(),
				'orderby'  => 'date',
				'order'    => 'DESC',
			)
		);
		echo '<p>' . esc_html__( 'Choose the order you want to return goods from or file a complaint about.', 'retino-returns' ) . '</p>';
		if ( empty( $orders ) ) {
			echo '<p>' . esc_html__( 'You have no orders to return or complain about yet.', 'retino-returns' ) . '</p>';
			return;
		}
		echo '<table class="woocommerce-orders-table shop_table shop_table_responsive retino-returns-orders">';
		echo '<thead><tr><th scope="col">' . esc_html__( 'Order', 'retino-returns' ) . '</th><th scope="col">'
			. esc_html__( 'Date', 'retino-returns' ) . '</th><th scope="col"><span class="screen-reader-text">'
			. esc_html__( 'Actions', 'retino-returns' ) . '</span></th></tr></thead><tbody>';
		foreach ( $orders as $order ) {
			$this->render_row( $order );
		}
		echo '</tbody></table>';
	}

	/**
	 * One order's row.
	 *
	 * @param WC_Order $order The order.
	 */
	private function render_row( $order ) {
		$number = (string) $order->get_order_number();
		$email  = (string) $order->get_billing_email();
		/* translators: %s: the order number */
		$title   = sprintf( __( 'Order #%s', 'retino-returns' ), $number );
		$created = $order->get_date_created();
		$date    = '';
		if ( $created ) {
			$date = sprintf( '<time datetime="%1$s">%2$s</time>', esc_attr( $created->date( 'c' ) ), esc_html( wc_format_datetime( $created ) ) );
		}
		$links = array();
		foreach ( array( 'return', 'complaint' ) as $type ) {
			$links[] = sprintf(
				'<a class="woocommerce-button button" href="%1$s" data-retino-open="%2$s">%3$s</a>',
				esc_url( $this->links->direct_link( $type, $email, $number ) ),
				esc_attr( $type ),
				esc_html( Retino_Returns_Frontend::type_label( $type ) )
			);
		}
		// phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- every part is escaped above.
		printf(
			'<tr><td data-title="%1$s">%2$s</td><td data-title="%3$s">%4$s</td><td>%5$s</td></tr>',
			esc_attr__( 'Order', 'retino-returns' ),
			esc_html( $title ),
			esc_attr__( 'Date', 'retino-returns' ),
			$date,
			implode( ' ', $links )
		);
	}
}

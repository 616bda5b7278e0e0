<?php
/**
 * The shop's pages: the widget's script in the footer, the `[returns_form]` shortcode and the `retino/returns-form` block.
 *
 * The script is enqueued with the `async` strategy, so WordPress prints one
 * `<script src=".../storefront/<channel>/widget.js" id="retino-widget-js" async ...>` in the footer:
 * no inline code, so it works under a shop's strict Content Security Policy. The widget itself
 * shows the launcher, the certificate badge and the portal overlay, and opens the portal for any
 * element with `data-retino-open`.
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

/**
 * Front-end output.
 */
class Retino_Returns_Frontend {

	/** The widget script's handle (WordPress gives the tag the id "retino-widget-js"). */
	const SCRIPT_HANDLE = 'retino-widget';

	/** The shortcode's tag. */
	const SHORTCODE = 'returns_form';

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
	 * Hooks the front end in.
	 */
	public function register_hooks() {
		add_action( 'wp_enqueue_scripts', array( $this, 'enqueue_widget' ) );
		add_filter( 'wp_script_attributes', array( $this, 'widget_attributes' ) );
		add_action( 'init', array( $this, 'register_shortcode_and_block' ) );
	}

	/**
	 * Enqueues the widget's script for the footer (nothing until the URL and the channel are set).
	 *
	 * No version is appended: the script is Retino's, which revalidates it by its ETag.
	 */
	public function enqueue_widget() {
		$src = $this->links->widget_script_url();
		if ( '' === $src ) {
			return;
		}
		wp_enqueue_script(
			self::SCRIPT_HANDLE,
			$src,
			array(),
			null, // phpcs:ignore WordPress.WP.EnqueuedResourceParameters.MissingVersion -- the script is versioned by Retino.
			array(
				'in_footer' => true,
				'strategy'  => 'async',
			)
		);
	}

	/**
	 * Adds the widget's data attributes to its script tag (`wp_script_attributes`, WordPress 6.3+).
	 *
	 * `data-lang` pins the widget to the site's language when Retino speaks it; `data-launcher="none"`
	 * hides the floating button when the merchant links to the portal only from the page.
	 *
	 * @param array $attributes The script tag's attributes.
	 * @return array
	 */
	public function widget_attributes( $attributes ) {
		if ( ! is_array( $attributes ) || ! isset( $attributes['id'] ) || self::SCRIPT_HANDLE . '-js' !== $attributes['id'] ) {
			return $attributes;
		}
		$language = Retino_Returns_Links::language();
		if ( '' !== $language ) {
			$attributes['data-lang'] = $language;
		}
		if ( ! $this->settings->launcher_enabled() ) {
			$attributes['data-launcher'] = 'none';
		}
		return $attributes;
	}

	/**
	 * Registers the shortcode and the dynamic block (on `init`); both print the same button.
	 */
	public function register_shortcode_and_block() {
		add_shortcode( self::SHORTCODE, array( $this, 'shortcode' ) );
		register_block_type(
			dirname( __DIR__ ) . '/block',
			array( 'render_callback' => array( $this, 'render_block' ) )
		);
	}

	/**
	 * `[returns_form type="return|complaint|withdrawal" label="..."]`.
	 *
	 * @param array|string $atts Shortcode attributes ('' when none are given).
	 * @return string
	 */
	public function shortcode( $atts ) {
		$atts = shortcode_atts(
			array(
				'type'  => '',
				'label' => '',
			),
			is_array( $atts ) ? $atts : array(),
			self::SHORTCODE
		);
		return $this->button( (string) $atts['type'], (string) $atts['label'] );
	}

	/**
	 * The block's render callback: the same button, inside the block's wrapper.
	 *
	 * @param array $attributes The block's attributes.
	 * @return string
	 */
	public function render_block( $attributes ) {
		$type   = is_array( $attributes ) && isset( $attributes['type'] ) ? $attributes['type'] : '';
		$button = $this->button( is_string( $type ) ? $type : '', '' );
		if ( '' === $button ) {
			return '';
		}
		return '<div ' . get_block_wrapper_attributes() . '>' . $button . '</div>';
	}

	/**
	 * The button: a link to the portal that the widget opens in its overlay (`data-retino-open`).
	 *
	 * An unknown type is treated as none (the choice of types). Nothing is printed until the
	 * plugin is configured.
	 *
	 * @param string $type  A case type or ''.
	 * @param string $label The button's text; '' for the type's own.
	 * @return string
	 */
	public function button( $type, $label ) {
		$type = Retino_Returns_Links::case_type( $type );
		$href = $this->links->portal_link( $type );
		if ( '' === $href ) {
			return '';
		}
		$label = trim( sanitize_text_field( $label ) );
		if ( '' === $label ) {
			$label = self::type_label( $type );
		}
		return sprintf(
			'<a class="retino-returns-button wp-element-button" href="%1$s" data-retino-open="%2$s">%3$s</a>',
			esc_url( $href ),
			esc_attr( $type ),
			esc_html( $label )
		);
	}

	/**
	 * The default text of a button of a type.
	 *
	 * @param string $type A case type or ''.
	 * @return string
	 */
	public static function type_label( $type ) {
		switch ( $type ) {
			case 'return':
				return __( 'Return goods', 'retino-returns' );
			case 'complaint':
				return __( 'File a complaint', 'retino-returns' );
			case 'withdrawal':
				return __( 'Withdraw from contract here', 'retino-returns' );
			default:
				return __( 'Returns & complaints', 'retino-returns' );
		}
	}
}

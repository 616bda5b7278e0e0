<?php
/**
 * The widget's script tag, the shortcode and the block.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

function test_footer_prints_one_async_script_tag_in_the_site_language() {
	$GLOBALS['retino_test']['locale'] = 'cs_CZ';
	retino_test_boot();

	assert_same(
		'<script src="' . RETINO_TEST_STOREFRONT . 'widget.js" id="retino-widget-js" async data-wp-strategy="async" data-lang="cs"></script>' . "\n",
		retino_test_footer()
	);
	assert_same(
		array(
			'retino-widget' => array(
				'src'  => RETINO_TEST_STOREFRONT . 'widget.js',
				'deps' => array(),
				'ver'  => null,
				'args' => array(
					'in_footer' => true,
					'strategy'  => 'async',
				),
			),
		),
		$GLOBALS['retino_test']['scripts']
	);
}

function test_footer_language_is_the_locale_prefix_only_when_retino_speaks_it() {
	$expected = array(
		'sk_SK'        => ' data-lang="sk"',
		'pl_PL'        => ' data-lang="pl"',
		'en_GB'        => ' data-lang="en"',
		'de_DE_formal' => ' data-lang="de"',
		'hu_HU'        => ' data-lang="hu"',
		'fr_FR'        => '',
		'es'           => '',
		''             => '',
	);
	foreach ( $expected as $locale => $attribute ) {
		retino_test_reset();
		$GLOBALS['retino_test']['locale'] = $locale;
		retino_test_boot();
		assert_same(
			'<script src="' . RETINO_TEST_STOREFRONT . 'widget.js" id="retino-widget-js" async data-wp-strategy="async"' . $attribute . '></script>' . "\n",
			retino_test_footer(),
			"locale $locale"
		);
	}
}

function test_footer_hides_the_launcher_when_it_is_switched_off() {
	$GLOBALS['retino_test']['locale'] = 'fr_FR';
	retino_test_boot( array( 'retino_returns_launcher' => 'no' ) );

	assert_same(
		'<script src="' . RETINO_TEST_STOREFRONT . 'widget.js" id="retino-widget-js" async data-wp-strategy="async" data-launcher="none"></script>' . "\n",
		retino_test_footer()
	);
}

function test_theme_without_html5_script_support_still_gets_one_async_tag() {
	$GLOBALS['retino_test']['html5_script'] = false;
	$GLOBALS['retino_test']['locale']       = 'hu_HU';
	retino_test_boot( array( 'retino_returns_launcher' => 'no' ) );

	assert_same(
		'<script src="' . RETINO_TEST_STOREFRONT . 'widget.js" id="retino-widget-js" async="async" data-wp-strategy="async" type="text/javascript" data-lang="hu" data-launcher="none"></script>' . "\n",
		retino_test_footer()
	);
}

function test_nothing_is_enqueued_until_both_url_and_channel_are_set() {
	retino_test_boot_unconfigured();
	assert_same( '', retino_test_footer(), 'nothing set' );

	retino_test_reset();
	retino_test_boot( array( 'retino_returns_channel' => '' ) );
	assert_same( '', retino_test_footer(), 'URL only' );

	retino_test_reset();
	retino_test_boot( array( 'retino_returns_url' => '' ) );
	assert_same( '', retino_test_footer(), 'channel only' );
	assert_same( array(), $GLOBALS['retino_test']['scripts'] );
}

function test_hostile_values_stored_behind_the_settings_back_print_nothing() {
	$hostile = array(
		array( 'retino_returns_channel' => '"><script>alert(1)</script>' ),
		array( 'retino_returns_channel' => "Ab3_xY-9\n" ),
		array( 'retino_returns_channel' => str_repeat( 'a', 33 ) ),
		array( 'retino_returns_url' => 'javascript:alert(1)' ),
		array( 'retino_returns_url' => 'https://returns.example.com/"><script>alert(1)</script>' ),
		array( 'retino_returns_url' => 'http://returns.example.com' ),
		array( 'retino_returns_url' => array( 'https://returns.example.com' ) ),
	);
	foreach ( $hostile as $options ) {
		retino_test_reset();
		retino_test_boot( $options );
		assert_same( '', retino_test_footer(), var_export( $options, true ) );
		assert_same( '', call_user_func( $GLOBALS['retino_test']['shortcodes']['returns_form'], '' ), 'shortcode' );
	}
}

function test_an_apostrophe_in_the_url_is_escaped_in_the_tag() {
	$GLOBALS['retino_test']['locale'] = 'fr_FR';
	retino_test_boot( array( 'retino_returns_url' => "https://returns.example.com/o'brien" ) );

	assert_same(
		'<script src="https://returns.example.com/o&#039;brien/storefront/Ab3_xY-9Ab3_xY-9Ab3_xY-9/widget.js" id="retino-widget-js" async data-wp-strategy="async"></script>' . "\n",
		retino_test_footer()
	);
}

function test_the_attributes_filter_leaves_other_scripts_alone() {
	$GLOBALS['retino_test']['locale'] = 'cs_CZ';
	retino_test_boot( array( 'retino_returns_launcher' => 'no' ) );

	$attributes = array(
		'src' => 'https://shop.example/wp-includes/js/jquery/jquery.min.js',
		'id'  => 'jquery-core-js',
	);
	assert_same( $attributes, apply_filters( 'wp_script_attributes', $attributes ) );
}

function test_shortcode_buttons_lead_to_the_form_of_their_type() {
	retino_test_boot();
	$shortcode = $GLOBALS['retino_test']['shortcodes']['returns_form'];

	assert_same(
		'<a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . '?lang=en" data-retino-open="">Returns &amp; complaints</a>',
		$shortcode( '' ),
		'no attributes'
	);
	assert_same(
		'<a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . 'start?type=return&#038;lang=en" data-retino-open="return">Return goods</a>',
		$shortcode( array( 'type' => 'return' ) ),
		'return'
	);
	assert_same(
		'<a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . 'start?type=complaint&#038;lang=en" data-retino-open="complaint">File a complaint</a>',
		$shortcode( array( 'type' => 'complaint' ) ),
		'complaint'
	);
	assert_same(
		'<a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . 'withdraw?lang=en" data-retino-open="withdrawal">Withdraw from contract here</a>',
		$shortcode( array( 'type' => 'withdrawal' ) ),
		'withdrawal'
	);
}

function test_shortcode_with_an_unknown_type_offers_the_choice() {
	$GLOBALS['retino_test']['locale'] = 'fr_FR';
	retino_test_boot();
	$shortcode = $GLOBALS['retino_test']['shortcodes']['returns_form'];

	foreach ( array( 'exchange', 'RETURN', '"><script>', '' ) as $type ) {
		assert_same(
			'<a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . '" data-retino-open="">Returns &amp; complaints</a>',
			$shortcode( array( 'type' => $type ) ),
			$type
		);
	}
}

function test_shortcode_label_is_plain_escaped_text() {
	$GLOBALS['retino_test']['locale'] = 'fr_FR';
	retino_test_boot( array( 'retino_returns_url' => "https://returns.example.com/o'brien" ) );
	$shortcode = $GLOBALS['retino_test']['shortcodes']['returns_form'];

	assert_same(
		'<a class="retino-returns-button wp-element-button" href="https://returns.example.com/o&#039;brien/storefront/Ab3_xY-9Ab3_xY-9Ab3_xY-9/start?type=return" data-retino-open="return">Send it back &amp; &quot;save&quot;</a>',
		$shortcode(
			array(
				'type'  => 'return',
				'label' => '<b>Send it back</b> & "save"<script>alert(1)</script>',
			)
		)
	);
	assert_same(
		'<a class="retino-returns-button wp-element-button" href="https://returns.example.com/o&#039;brien/storefront/Ab3_xY-9Ab3_xY-9Ab3_xY-9/start?type=complaint" data-retino-open="complaint">File a complaint</a>',
		$shortcode(
			array(
				'type'  => 'complaint',
				'label' => '   ',
			)
		),
		'blank label'
	);
}

function test_shortcode_prints_nothing_until_configured() {
	retino_test_boot_unconfigured();

	assert_same( '', $GLOBALS['retino_test']['shortcodes']['returns_form']( array( 'type' => 'return' ) ) );
}

function test_block_is_registered_from_block_json_with_the_shortcode_renderer() {
	retino_test_boot();

	$block = $GLOBALS['retino_test']['blocks']['retino/returns-form'];
	assert_same( 'Retino_Returns_Frontend', get_class( $block['render_callback'][0] ) );
	assert_same( 'render_block', $block['render_callback'][1] );
	assert_same( 'retino-returns', $block['metadata']['textdomain'] );
	assert_same( 'file:./index.js', $block['metadata']['editorScript'] );
	assert_same( array( '', 'return', 'complaint', 'withdrawal' ), $block['metadata']['attributes']['type']['enum'] );
	assert_same(
		array(
			array( 'choice', '' ),
			array( 'return', 'return' ),
			array( 'complaint', 'complaint' ),
			array( 'withdrawal', 'withdrawal' ),
		),
		array_map(
			function ( $variation ) {
				return array( $variation['name'], $variation['attributes']['type'] );
			},
			$block['metadata']['variations']
		)
	);
	$asset = include dirname( __DIR__ ) . '/block/index.asset.php';
	assert_same( array( 'wp-block-editor', 'wp-blocks', 'wp-element', 'wp-server-side-render' ), $asset['dependencies'] );
}

function test_block_renders_the_button_inside_its_wrapper() {
	$GLOBALS['retino_test']['locale'] = 'pl_PL';
	retino_test_boot();
	$render = $GLOBALS['retino_test']['blocks']['retino/returns-form']['render_callback'];

	assert_same(
		'<div class="wp-block-retino-returns-form"><a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . 'start?type=complaint&#038;lang=pl" data-retino-open="complaint">Złóż reklamację</a></div>',
		call_user_func( $render, array( 'type' => 'complaint' ), '', null )
	);
	assert_same(
		'<div class="wp-block-retino-returns-form"><a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . '?lang=pl" data-retino-open="">Zwroty i reklamacje</a></div>',
		call_user_func( $render, array(), '', null ),
		'no type'
	);
	assert_same(
		'<div class="wp-block-retino-returns-form"><a class="retino-returns-button wp-element-button" href="' . RETINO_TEST_STOREFRONT . '?lang=pl" data-retino-open="">Zwroty i reklamacje</a></div>',
		call_user_func( $render, array( 'type' => array( 'return' ) ), '', null ),
		'malformed type'
	);
}

function test_block_renders_nothing_until_configured() {
	retino_test_boot_unconfigured();

	assert_same( '', call_user_func( $GLOBALS['retino_test']['blocks']['retino/returns-form']['render_callback'], array( 'type' => 'return' ), '', null ) );
}

<?php
/**
 * Test doubles of the WordPress functions the plugin calls, with WordPress's documented behaviour.
 *
 * Not WordPress: just enough of it, written from its reference, to run the plugin's code and see
 * what it prints and stores. Everything they record lives in $GLOBALS['retino_test'], which
 * retino_test_reset() empties before every test. Escaping follows WordPress's rules (esc_url keeps
 * a fixed set of characters and protocols and turns & and ' into entities; esc_html/esc_attr do not
 * double-encode), so a test that passes here would print the same in WordPress for these inputs.
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test doubles, named and shaped like WordPress's own functions.

define( 'ABSPATH', __DIR__ . '/' );
define( 'WP_PLUGIN_DIR', dirname( __DIR__, 3 ) );
define( 'EP_ROOT', 64 );
define( 'EP_PAGES', 4096 );

/** The shop's address in the doubles. */
const RETINO_TEST_HOME = 'https://shop.example';

/**
 * Empties everything the doubles record and sets the defaults of a fresh request.
 */
function retino_test_reset() {
	$GLOBALS['retino_test'] = array(
		'hooks'            => array(),
		'options'          => array( 1 => array() ),
		'blog'             => 1,
		'blog_stack'       => array(),
		'multisite'        => false,
		'sites'            => array( 1 ),
		'settings'         => array(),
		'sections'         => array(),
		'fields'           => array(),
		'settings_errors'  => array(),
		'submenu'          => array(),
		'scripts'          => array(),
		'shortcodes'       => array(),
		'blocks'           => array(),
		'block_wrapper'    => 'class="wp-block-retino-returns-form"',
		'flushes'          => array(),
		'textdomains'      => array(),
		'activation'       => array(),
		'deactivation'     => array(),
		'locale'           => 'en_US',
		'caps'             => array( 'manage_woocommerce' ),
		'user_id'          => 7,
		'html5_script'     => true,
		'orders'           => array(),
		'order_queries'    => array(),
		'features'         => array(),
	);
	$GLOBALS['wp_rewrite'] = (object) array( 'endpoints' => array() );
	$_GET                  = array();
	$_POST                 = array();
}

// --- hooks -------------------------------------------------------------------------------------

function add_filter( $tag, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['retino_test']['hooks'][ $tag ][ $priority ][] = array( $callback, $accepted_args );
	return true;
}

function add_action( $tag, $callback, $priority = 10, $accepted_args = 1 ) {
	return add_filter( $tag, $callback, $priority, $accepted_args );
}

function retino_test_callbacks( $tag ) {
	$hooks = isset( $GLOBALS['retino_test']['hooks'][ $tag ] ) ? $GLOBALS['retino_test']['hooks'][ $tag ] : array();
	ksort( $hooks );
	$callbacks = array();
	foreach ( $hooks as $registered ) {
		foreach ( $registered as $entry ) {
			$callbacks[] = $entry;
		}
	}
	return $callbacks;
}

function apply_filters( $tag, $value, ...$args ) {
	foreach ( retino_test_callbacks( $tag ) as $entry ) {
		$value = call_user_func_array( $entry[0], array_slice( array_merge( array( $value ), $args ), 0, $entry[1] ) );
	}
	return $value;
}

function do_action( $tag, ...$args ) {
	foreach ( retino_test_callbacks( $tag ) as $entry ) {
		call_user_func_array( $entry[0], array_slice( $args, 0, $entry[1] ) );
	}
}

function has_filter( $tag ) {
	return array() !== retino_test_callbacks( $tag );
}

function register_activation_hook( $file, $callback ) {
	$GLOBALS['retino_test']['activation'][ plugin_basename( $file ) ] = $callback;
}

function register_deactivation_hook( $file, $callback ) {
	$GLOBALS['retino_test']['deactivation'][ plugin_basename( $file ) ] = $callback;
}

function __return_false() {
	return false;
}

// --- options and the Settings API --------------------------------------------------------------

function get_option( $option, $default_value = false ) {
	$options = $GLOBALS['retino_test']['options'][ $GLOBALS['retino_test']['blog'] ];
	return array_key_exists( $option, $options ) ? $options[ $option ] : $default_value;
}

function sanitize_option( $option, $value ) {
	return apply_filters( "sanitize_option_{$option}", $value, $option, $value );
}

/** Like WordPress: a new option goes through add_option(), which sanitizes the value a second time. */
function update_option( $option, $value ) {
	$value = sanitize_option( $option, $value );
	$blog  = $GLOBALS['retino_test']['blog'];
	if ( ! array_key_exists( $option, $GLOBALS['retino_test']['options'][ $blog ] ) ) {
		return add_option( $option, $value );
	}
	if ( $GLOBALS['retino_test']['options'][ $blog ][ $option ] === $value ) {
		return false;
	}
	$GLOBALS['retino_test']['options'][ $blog ][ $option ] = $value;
	return true;
}

function add_option( $option, $value = '' ) {
	$value = sanitize_option( $option, $value );
	$blog  = $GLOBALS['retino_test']['blog'];
	if ( array_key_exists( $option, $GLOBALS['retino_test']['options'][ $blog ] ) ) {
		return false;
	}
	$GLOBALS['retino_test']['options'][ $blog ][ $option ] = $value;
	return true;
}

function delete_option( $option ) {
	$blog    = $GLOBALS['retino_test']['blog'];
	$existed = array_key_exists( $option, $GLOBALS['retino_test']['options'][ $blog ] );
	unset( $GLOBALS['retino_test']['options'][ $blog ][ $option ] );
	return $existed;
}

/** Like WordPress: the sanitize callback becomes a `sanitize_option_{$option}` filter. */
function register_setting( $option_group, $option_name, $args = array() ) {
	$GLOBALS['retino_test']['settings'][ $option_name ] = array( 'group' => $option_group ) + $args;
	if ( ! empty( $args['sanitize_callback'] ) ) {
		add_filter( "sanitize_option_{$option_name}", $args['sanitize_callback'] );
	}
}

function add_settings_section( $id, $title, $callback, $page, $args = array() ) {
	$GLOBALS['retino_test']['sections'][ $page ][ $id ] = array( $title, $callback );
}

function add_settings_field( $id, $title, $callback, $page, $section = 'default', $args = array() ) {
	$GLOBALS['retino_test']['fields'][ $page ][ $section ][ $id ] = array( $title, $callback, $args );
}

function do_settings_sections( $page ) {
	$sections = isset( $GLOBALS['retino_test']['sections'][ $page ] ) ? $GLOBALS['retino_test']['sections'][ $page ] : array();
	foreach ( $sections as $id => $section ) {
		if ( $section[0] ) {
			echo "<h2>{$section[0]}</h2>\n";
		}
		call_user_func( $section[1], $section );
		$fields = isset( $GLOBALS['retino_test']['fields'][ $page ][ $id ] ) ? $GLOBALS['retino_test']['fields'][ $page ][ $id ] : array();
		echo '<table class="form-table" role="presentation">';
		foreach ( $fields as $field ) {
			$label = empty( $field[2]['label_for'] ) ? $field[0] : '<label for="' . esc_attr( $field[2]['label_for'] ) . '">' . $field[0] . '</label>';
			echo '<tr><th scope="row">' . $label . '</th><td>';
			call_user_func( $field[1], $field[2] );
			echo '</td></tr>';
		}
		echo '</table>';
	}
}

function settings_fields( $option_group ) {
	echo "<input type='hidden' name='option_page' value='" . esc_attr( $option_group ) . "' />";
	echo '<input type="hidden" name="action" value="update" />';
	echo '<input type="hidden" id="_wpnonce" name="_wpnonce" value="' . wp_create_nonce( "$option_group-options" ) . '" />';
}

function submit_button() {
	echo '<p class="submit"><input type="submit" name="submit" id="submit" class="button button-primary" value="Save Changes" /></p>';
}

function add_settings_error( $setting, $code, $message, $type = 'error' ) {
	$GLOBALS['retino_test']['settings_errors'][] = compact( 'setting', 'code', 'message', 'type' );
}

function get_settings_errors( $setting = '' ) {
	$errors = $GLOBALS['retino_test']['settings_errors'];
	if ( '' === $setting ) {
		return $errors;
	}
	return array_values(
		array_filter(
			$errors,
			function ( $error ) use ( $setting ) {
				return $error['setting'] === $setting;
			}
		)
	);
}

/** Like WordPress, the message is printed as it is (HTML). */
function settings_errors() {
	foreach ( get_settings_errors() as $error ) {
		printf(
			'<div id="setting-error-%1$s" class="notice notice-%2$s settings-error is-dismissible"><p><strong>%3$s</strong></p></div>',
			esc_attr( $error['code'] ),
			esc_attr( $error['type'] ),
			$error['message']
		);
	}
}

// --- admin -------------------------------------------------------------------------------------

function add_submenu_page( $parent_slug, $page_title, $menu_title, $capability, $menu_slug, $callback = '' ) {
	$GLOBALS['retino_test']['submenu'][ $menu_slug ] = compact( 'parent_slug', 'page_title', 'menu_title', 'capability', 'callback' );
	return 'woocommerce' === $parent_slug ? "woocommerce_page_{$menu_slug}" : "admin_page_{$menu_slug}";
}

function current_user_can( $capability ) {
	return in_array( $capability, $GLOBALS['retino_test']['caps'], true );
}

function get_current_user_id() {
	return $GLOBALS['retino_test']['user_id'];
}

/** Bound to the action and the user, like WordPress's (which also binds the session and a 12-hour tick). */
function wp_create_nonce( $action = -1 ) {
	return substr( hash( 'sha256', 'nonce|' . $action . '|' . get_current_user_id() ), 0, 10 );
}

function wp_verify_nonce( $nonce, $action = -1 ) {
	return is_string( $nonce ) && '' !== $nonce && hash_equals( wp_create_nonce( $action ), $nonce ) ? 1 : false;
}

function admin_url( $path = '' ) {
	return RETINO_TEST_HOME . '/wp-admin/' . ltrim( $path, '/' );
}

function home_url( $path = '' ) {
	return RETINO_TEST_HOME . ( '' === $path ? '' : '/' . ltrim( $path, '/' ) );
}

/** The file's path relative to the plugins folder, like WordPress's. */
function plugin_basename( $file ) {
	$prefix = rtrim( WP_PLUGIN_DIR, '/' ) . '/';
	return 0 === strpos( $file, $prefix ) ? substr( $file, strlen( $prefix ) ) : $file;
}

function is_multisite() {
	return $GLOBALS['retino_test']['multisite'];
}

function get_sites( $args = array() ) {
	return $GLOBALS['retino_test']['sites'];
}

function switch_to_blog( $blog_id ) {
	$GLOBALS['retino_test']['blog_stack'][] = $GLOBALS['retino_test']['blog'];
	$GLOBALS['retino_test']['blog']         = $blog_id;
	if ( ! isset( $GLOBALS['retino_test']['options'][ $blog_id ] ) ) {
		$GLOBALS['retino_test']['options'][ $blog_id ] = array();
	}
	return true;
}

function restore_current_blog() {
	$GLOBALS['retino_test']['blog'] = array_pop( $GLOBALS['retino_test']['blog_stack'] );
	return true;
}

// --- i18n: real catalogs, read from the plugin's .mo files -------------------------------------

function get_locale() {
	return $GLOBALS['retino_test']['locale'];
}

/** Reads a .mo file (GNU gettext format) into msgid => msgstr, "context\x04msgid" for contexts. */
function retino_test_read_mo( $path ) {
	$data  = file_get_contents( $path );
	$magic = unpack( 'V', substr( $data, 0, 4 ) )[1];
	$order = 0x950412de === $magic ? 'V' : 'N';
	$head  = unpack( "{$order}revision/{$order}count/{$order}originals/{$order}translations", substr( $data, 4, 16 ) );
	$table = array();
	for ( $index = 0; $index < $head['count']; $index++ ) {
		$original    = unpack( "{$order}length/{$order}offset", substr( $data, $head['originals'] + 8 * $index, 8 ) );
		$translation = unpack( "{$order}length/{$order}offset", substr( $data, $head['translations'] + 8 * $index, 8 ) );
		$key         = substr( $data, $original['offset'], $original['length'] );
		if ( '' !== $key ) {
			$table[ $key ] = substr( $data, $translation['offset'], $translation['length'] );
		}
	}
	return $table;
}

function load_plugin_textdomain( $domain, $deprecated = false, $plugin_rel_path = false ) {
	$path = WP_PLUGIN_DIR . '/' . trim( (string) $plugin_rel_path, '/' ) . '/' . $domain . '-' . get_locale() . '.mo';
	$GLOBALS['retino_test']['textdomains'][ $domain ] = is_readable( $path ) ? retino_test_read_mo( $path ) : array();
	return is_readable( $path );
}

/** Only the plugin's own domain is allowed: a string without it (or with another) fails the test. */
function retino_test_translate( $text, $domain, $context = null ) {
	if ( 'retino-returns' !== $domain ) {
		throw new LogicException( 'Text without the retino-returns domain: ' . $text );
	}
	$key     = null === $context ? $text : $context . "\x04" . $text;
	$catalog = isset( $GLOBALS['retino_test']['textdomains'][ $domain ] ) ? $GLOBALS['retino_test']['textdomains'][ $domain ] : array();
	return isset( $catalog[ $key ] ) && '' !== $catalog[ $key ] ? $catalog[ $key ] : $text;
}

function __( $text, $domain = 'default' ) {
	return retino_test_translate( $text, $domain );
}

function _x( $text, $context, $domain = 'default' ) {
	return retino_test_translate( $text, $domain, $context );
}

function esc_html__( $text, $domain = 'default' ) {
	return esc_html( __( $text, $domain ) );
}

function esc_attr__( $text, $domain = 'default' ) {
	return esc_attr( __( $text, $domain ) );
}

function esc_html_e( $text, $domain = 'default' ) {
	echo esc_html__( $text, $domain );
}

// --- escaping and sanitizing -------------------------------------------------------------------

function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8', false );
}

function esc_attr( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8', false );
}

function wp_allowed_protocols() {
	return array( 'http', 'https', 'ftp', 'ftps', 'mailto', 'news', 'irc', 'irc6', 'ircs', 'gopher', 'nntp', 'feed', 'telnet', 'mms', 'rtsp', 'sms', 'svn', 'tel', 'fax', 'xmpp', 'webcal', 'urn' );
}

/** WordPress's esc_url(): allowed characters only, no CR/LF, an allowed protocol; & and ' as entities for display. */
function esc_url( $url, $protocols = null, $_context = 'display' ) {
	if ( '' === $url || null === $url ) {
		return '';
	}
	$url = str_replace( ' ', '%20', ltrim( (string) $url ) );
	$url = preg_replace( '|[^a-z0-9-~+_.?#=!&;,/:%@$\|*\'()\[\]\\x80-\\xff]|i', '', $url );
	if ( '' === $url ) {
		return '';
	}
	do {
		$before = $url;
		$url    = str_ireplace( array( '%0d', '%0a' ), '', $url );
	} while ( $before !== $url );
	$url = str_replace( ';//', '://', $url );
	if ( false === strpos( $url, ':' ) && ! in_array( $url[0], array( '/', '#', '?' ), true ) && ! preg_match( '/^[a-z0-9-]+?\.php/i', $url ) ) {
		$url = 'http://' . $url;
	}
	if ( 'display' === $_context ) {
		$url = preg_replace( '/&(?!(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);)/i', '&amp;', $url );
		$url = str_replace( '&amp;', '&#038;', $url );
		$url = str_replace( "'", '&#039;', $url );
	}
	if ( '/' !== $url[0] ) {
		$protocols = is_array( $protocols ) ? $protocols : wp_allowed_protocols();
		if ( preg_match( '/^([^:\/?#]+):/', $url, $match ) && ! in_array( strtolower( $match[1] ), $protocols, true ) ) {
			return '';
		}
	}
	return $url;
}

function esc_url_raw( $url, $protocols = null ) {
	return esc_url( $url, $protocols, 'db' );
}

function wp_strip_all_tags( $text, $remove_breaks = false ) {
	$text = preg_replace( '@<(script|style)[^>]*?>.*?</\\1>@si', '', (string) $text );
	$text = strip_tags( $text );
	if ( $remove_breaks ) {
		$text = preg_replace( '/[\r\n\t ]+/', ' ', $text );
	}
	return trim( $text );
}

/** WordPress's sanitize_text_field(): no tags, no line breaks or tabs, no percent-encoded octets, trimmed. */
function sanitize_text_field( $str ) {
	if ( is_object( $str ) || is_array( $str ) ) {
		return '';
	}
	$filtered = (string) $str;
	if ( false !== strpos( $filtered, '<' ) ) {
		$filtered = wp_strip_all_tags( $filtered );
	}
	$filtered = trim( preg_replace( '/[\r\n\t ]+/', ' ', $filtered ) );
	$found    = false;
	while ( preg_match( '/%[a-f0-9]{2}/i', $filtered, $match ) ) {
		$filtered = str_replace( $match[0], '', $filtered );
		$found    = true;
	}
	return $found ? trim( preg_replace( '/ +/', ' ', $filtered ) ) : $filtered;
}

function wp_unslash( $value ) {
	return is_array( $value ) ? array_map( 'wp_unslash', $value ) : stripslashes( (string) $value );
}

function wp_parse_url( $url, $component = -1 ) {
	return parse_url( $url, $component );
}

// --- scripts -----------------------------------------------------------------------------------

function wp_enqueue_script( $handle, $src = '', $deps = array(), $ver = false, $args = array() ) {
	$GLOBALS['retino_test']['scripts'][ $handle ] = compact( 'src', 'deps', 'ver', 'args' );
}

function is_admin() {
	return false;
}

function current_theme_supports( $feature, $what = '' ) {
	return 'html5' === $feature && 'script' === $what && $GLOBALS['retino_test']['html5_script'];
}

function wp_sanitize_script_attributes( $attributes ) {
	$html5 = ! is_admin() && current_theme_supports( 'html5', 'script' );
	$out   = '';
	foreach ( $attributes as $name => $value ) {
		if ( is_bool( $value ) ) {
			if ( $value ) {
				$out .= $html5 ? ' ' . esc_attr( $name ) : sprintf( ' %1$s="%2$s"', esc_attr( $name ), esc_attr( $name ) );
			}
		} else {
			$out .= sprintf( ' %1$s="%2$s"', esc_attr( $name ), esc_attr( $value ) );
		}
	}
	return $out;
}

/** WordPress 6.3+: the `wp_script_attributes` filter, then the tag. */
function wp_get_script_tag( $attributes ) {
	if ( ! isset( $attributes['type'] ) && ! is_admin() && ! current_theme_supports( 'html5', 'script' ) ) {
		$attributes['type'] = 'text/javascript';
	}
	$attributes = apply_filters( 'wp_script_attributes', $attributes );
	return sprintf( "<script%s></script>\n", wp_sanitize_script_attributes( $attributes ) );
}

/**
 * What WP_Scripts::do_item() (WordPress 6.3+) prints for the enqueued footer scripts of this double:
 * the version as `?ver=` (none for null), src/id, the eligible strategy and `data-wp-strategy`.
 */
function retino_test_print_footer_scripts() {
	foreach ( $GLOBALS['retino_test']['scripts'] as $handle => $script ) {
		if ( empty( $script['args']['in_footer'] ) ) {
			continue;
		}
		$src = $script['src'];
		$ver = false === $script['ver'] ? '6.8' : $script['ver'];
		if ( ! empty( $ver ) ) {
			$src .= ( false === strpos( $src, '?' ) ? '?' : '&' ) . 'ver=' . rawurlencode( $ver );
		}
		$src  = esc_url_raw( apply_filters( 'script_loader_src', $src, $handle ) );
		$attr = array(
			'src' => $src,
			'id'  => "{$handle}-js",
		);
		if ( ! empty( $script['args']['strategy'] ) ) {
			$attr[ $script['args']['strategy'] ] = true;
			$attr['data-wp-strategy']            = $script['args']['strategy'];
		}
		echo apply_filters( 'script_loader_tag', wp_get_script_tag( $attr ), $handle, $src );
	}
}

// --- shortcodes, blocks, rewrite ---------------------------------------------------------------

function add_shortcode( $tag, $callback ) {
	$GLOBALS['retino_test']['shortcodes'][ $tag ] = $callback;
}

function shortcode_atts( $pairs, $atts, $shortcode = '' ) {
	$atts = (array) $atts;
	$out  = array();
	foreach ( $pairs as $name => $default ) {
		$out[ $name ] = array_key_exists( $name, $atts ) ? $atts[ $name ] : $default;
	}
	return $shortcode ? apply_filters( "shortcode_atts_{$shortcode}", $out, $pairs, $atts, $shortcode ) : $out;
}

/** Reads block.json like WordPress does (a missing or broken file registers nothing). */
function register_block_type( $block_type, $args = array() ) {
	$metadata = json_decode( (string) file_get_contents( rtrim( $block_type, '/' ) . '/block.json' ), true );
	if ( ! is_array( $metadata ) || empty( $metadata['name'] ) ) {
		return false;
	}
	$GLOBALS['retino_test']['blocks'][ $metadata['name'] ] = array( 'metadata' => $metadata ) + $args;
	return (object) array( 'name' => $metadata['name'] );
}

function get_block_wrapper_attributes( $extra_attributes = array() ) {
	return $GLOBALS['retino_test']['block_wrapper'];
}

function add_rewrite_endpoint( $name, $places, $query_var = true ) {
	$GLOBALS['wp_rewrite']->endpoints[] = array( $places, $name, true === $query_var ? $name : $query_var );
}

/** Records which endpoints the regenerated rules contain. */
function flush_rewrite_rules( $hard = true ) {
	$GLOBALS['retino_test']['flushes'][] = array_map(
		function ( $endpoint ) {
			return $endpoint[1];
		},
		$GLOBALS['wp_rewrite']->endpoints
	);
}

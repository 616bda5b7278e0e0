<?php
/**
 * Uninstall: deletes the plugin's options (on every site of a network).
 *
 * Nothing else is stored in WordPress: cases, orders and the channel live in Retino.
 *
 * @package Retino_Returns
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

// The option names are the settings class's (the file only declares the class).
require_once __DIR__ . '/includes/class-retino-returns-settings.php';

$retino_returns_sites = is_multisite() ? get_sites(
	array(
		'fields' => 'ids',
		'number' => 0,
	)
) : array( 0 );

foreach ( $retino_returns_sites as $retino_returns_site ) {
	if ( $retino_returns_site ) {
		switch_to_blog( $retino_returns_site );
	}
	foreach ( Retino_Returns_Settings::OPTION_NAMES as $retino_returns_option ) {
		delete_option( $retino_returns_option );
	}
	if ( $retino_returns_site ) {
		restore_current_blog();
	}
}

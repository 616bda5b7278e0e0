<?php
/**
 * The editor script's dependencies and version (read by register_block_type through block.json).
 *
 * @package Retino_Returns
 */

defined( 'ABSPATH' ) || exit;

return array(
	'dependencies' => array( 'wp-block-editor', 'wp-blocks', 'wp-element', 'wp-server-side-render' ),
	'version'      => '1.0.0',
);

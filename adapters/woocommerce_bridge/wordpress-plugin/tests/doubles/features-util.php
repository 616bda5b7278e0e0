<?php
/**
 * Test double of WooCommerce's FeaturesUtil (HPOS compatibility declarations).
 *
 * @package Retino_Returns
 */

// phpcs:disable -- a test double in WooCommerce's namespace.

namespace Automattic\WooCommerce\Utilities;

class FeaturesUtil {
	public static function declare_compatibility( $feature_id, $plugin_file, $positive_compatibility = true ) {
		$GLOBALS['retino_test']['features'][] = array( $feature_id, $plugin_file, $positive_compatibility );
		return true;
	}
}

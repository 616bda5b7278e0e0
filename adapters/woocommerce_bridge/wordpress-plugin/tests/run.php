<?php
/**
 * Runs the plugin's PHP tests: every function named test_* in tests/test-*.php, each after a reset of the doubles.
 *
 * Prints one line per test ("ok - name" / "not ok - name" with the reason) and a summary
 * "N passed, M failed"; exits 1 when a test failed or none ran. Usage: php tests/run.php
 *
 * @package Retino_Returns
 */

// phpcs:disable -- test code.

require __DIR__ . '/bootstrap.php';

$retino_files = glob( __DIR__ . '/test-*.php' );
sort( $retino_files );
$retino_tests = array();
foreach ( $retino_files as $retino_file ) {
	$retino_before = get_defined_functions()['user'];
	require $retino_file;
	foreach ( array_diff( get_defined_functions()['user'], $retino_before ) as $retino_function ) {
		if ( 0 === strpos( $retino_function, 'test_' ) ) {
			$retino_tests[] = $retino_function;
		}
	}
}

$retino_passed = 0;
$retino_failed = 0;
foreach ( $retino_tests as $retino_case ) {
	retino_test_reset();
	$retino_level = ob_get_level();
	try {
		$retino_case();
		if ( ob_get_level() !== $retino_level ) {
			throw new Retino_Test_Failure( 'left an output buffer open' );
		}
		++$retino_passed;
		echo "ok - $retino_case\n";
	} catch ( Throwable $retino_error ) {
		while ( ob_get_level() > $retino_level ) {
			ob_end_clean();
		}
		++$retino_failed;
		$retino_where = ' (' . get_class( $retino_error ) . ' at ' . basename( $retino_error->getFile() ) . ':' . $retino_error->getLine() . ')';
		foreach ( $retino_error->getTrace() as $retino_frame ) {
			if ( isset( $retino_frame['file'] ) && 0 === strpos( basename( $retino_frame['file'] ), 'test-' ) ) {
				$retino_where .= ' in ' . basename( $retino_frame['file'] ) . ':' . $retino_frame['line'];
				break;
			}
		}
		echo "not ok - $retino_case$retino_where\n  " . str_replace( "\n", "\n  ", $retino_error->getMessage() ) . "\n";
	}
}

echo "$retino_passed passed, $retino_failed failed\n";
exit( $retino_failed > 0 || 0 === $retino_passed ? 1 : 0 );

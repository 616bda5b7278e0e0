/*
 * The editor side of the "Returns & complaints" block: a preview rendered by the server (the block
 * is dynamic, nothing is saved in the post). Plain JavaScript, no build step; the type is chosen
 * with the block's variations (block.json), so this file has no texts of its own.
 */
( function ( blocks, element, blockEditor, ServerSideRender ) {
	'use strict';
	var el = element.createElement;

	blocks.registerBlockType( 'retino/returns-form', {
		edit: function ( props ) {
			return el(
				'div',
				blockEditor.useBlockProps(),
				el( ServerSideRender, {
					block: 'retino/returns-form',
					attributes: props.attributes,
					skipBlockSupportAttributes: true,
				} )
			);
		},
		save: function () {
			return null;
		},
	} );
} )( window.wp.blocks, window.wp.element, window.wp.blockEditor, window.wp.serverSideRender );

<?php
function twentytwentyfour_setup() {
	add_theme_support( 'wp-block-styles' );
}
add_action( 'after_setup_theme', 'twentytwentyfour_setup' );

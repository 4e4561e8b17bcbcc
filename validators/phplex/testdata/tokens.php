<?php
// Prints the tokens of each file named on standard input (one path a
// line), as token_get_all returns them: "#PATH", then one line per token,
// "NAME LENGTH LINE", NAME being token_name() or the one-byte token itself.
while (($path = fgets(STDIN)) !== false) {
	$path = rtrim($path, "\n");
	$src = file_get_contents($path);
	$out = "#" . $path . "\n";
	foreach (token_get_all($src) as $t) {
		if (is_array($t)) {
			$out .= token_name($t[0]) . " " . strlen($t[1]) . " " . $t[2] . "\n";
		} else {
			$out .= $t . " " . strlen($t) . " 0\n";
		}
	}
	echo $out;
}

<?php
$a = "abc $a[0] $a[-1] $a[x] $a[$y] $a[0x1F] $a[012] {$a->b} ${a} ${a[1]} ${ a} $a->b->c $a?->b $ {$x";
$b = b"bin $x" . B'bin' . 'it\'s \\' . "q\"uote\\" . "\x41\101\u{41}";
$c = `ls -la $dir {$d['e']}`;
$d = "$a[ x]";
$e = "unterminated {$a["k"]} ok";
$f = <<<EOT
  a $b {$c} ${d}
  EOTX is not the end
  EOT;
$g = <<<'N'
raw $x {$y}
N . 1;
$h = <<<"Q"
Q;
$i = b<<<EOT
x\
EOT;
$j = <<<EOT
\$x $x[1] $x->y
 EOT;

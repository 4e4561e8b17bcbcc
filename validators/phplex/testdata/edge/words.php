<?php
namespace\Foo; \Foo\Bar; Foo\Bar; namespace Foo; exit; DIE(); Exit\Now; yield from $x; yield  from $y; yield
from $z; yield /*c*/ from $q; yield from;
enum Foo {} enum extends; enum /*x*/ Bar {} enum(1); enum $x; enum Extendsx {} ENUM Baz {}
readonly class A {} readonly(1); (real)$x; ( int )$y; (integer)$z; (unset)$a; (binary)$b; (boolean)$c;(	string	)$d; ( float) $e; (notacast) $f;
$a & $b; &$x; & ...$y; fn(&$x)=>1; $a &&$b; $a &= 1; $a->class; $a -> list; $a?->b; $a::class; #[Attr] function f(){}
$a <=> $b; $a <> $b; $a ** $b; $a **= $b; $a ??= $b; $a ?? $b; $a <<= 1; $a >>= 1; $a !== $b; $a === $b; ...$a;
__CLASS__; __trait__; __FUNCTION__; __METHOD__; __LINE__; __FILE__; __DIR__; __NAMESPACE__; AND; Or; xOr;
$ÿ = "é$ü"; $x = 1 . 2; $$a; ${'b'}; @$c; ~$d; $e{0}; $f->{'g'}; $h = <<< EOT
EOT;
function &ref() {} static fn() => 1; match($a) { 1 => 2, default => 3 };
# comment ?> <?php // comment
/** doc */ /**/ /***/ /**
x */ /*
unterminated

<?php
echo 1; // c
?>
x<?phpecho "a
b";
$x = <<<E
  a
  E;
# c?>
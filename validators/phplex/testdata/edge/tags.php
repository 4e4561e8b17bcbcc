<html><?= $a ?>
<? echo 1 ?>
<?php echo 2 ?>
<?PHP echo 3 ?><?php
echo 4 ?>
<?phpx echo 5 ?>
<?xml version="1.0"?>
<?php echo 6; ?>
trailing <?php __halt_compiler ( ) ;
binary garbage <?php ?> after halt

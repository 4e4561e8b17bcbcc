<?php
$wp_version = '6.1.9';

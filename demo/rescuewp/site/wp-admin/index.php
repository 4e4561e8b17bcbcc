<?php
require_once __DIR__ . '/admin.php';

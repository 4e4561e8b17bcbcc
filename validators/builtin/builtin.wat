;; The module of the built-in validators, embedded in git-aos. It speaks
;; the validator ABI of docs/validators.md: argv[0] is the validator's
;; name and argv[1] the built-in to run, the request is on stdin, and each
;; finding is a line on stdout.
;;
;; The module only moves bytes. It hands the request to the host function
;; aos_builtin.request, which decodes it and returns the config and the
;; paths the built-in reads, then calls aos_builtin.check for each path:
;; the host reads that file of /src, the staged tree this run sees, runs
;; the checks natively and returns the findings as ABI lines, which the
;; module writes to stdout. Both host functions are offered to this module
;; only. Written by hand, the module is a few hundred bytes: it compiles in
;; well under a millisecond and starts without a language runtime, where a
;; Go-built module was 1.9 MB of Go runtime (docs/RATIONALE.md,
;; "Validators").
;;
;; Build: wat2wasm validators/builtin/builtin.wat -o validators/builtin/builtin.wasm
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  ;; request(builtin, builtinLen, req, reqLen, out, max): the config, then
  ;; each path preceded by a NUL byte.
  (import "aos_builtin" "request" (func $request (param i32 i32 i32 i32 i32 i32) (result i32)))
  ;; check(builtin, builtinLen, path, pathLen, config, configLen, out, max):
  ;; the findings of that file of /src as ABI lines.
  ;; Both return the length of their result (written to out when it fits
  ;; in max bytes), with the high bit set when out holds an error message
  ;; instead, or 0xffffffff when they refuse their arguments.
  (import "aos_builtin" "check" (func $check (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; Bytes 0 to 63 are scratch: 0 an iovec, 8 a count, 16 argc, 20 the
  ;; size of the arguments. Messages start at 64; the heap at 1024.
  (data (i32.const 64) "usage: NAME BUILTIN")                          ;; 19 bytes
  (data (i32.const 96) "read request: cannot read standard input")     ;; 40 bytes
  (data (i32.const 144) "aos_builtin refused its arguments")          ;; 33 bytes
  (data (i32.const 184) "write: cannot write standard output")        ;; 35 bytes
  (data (i32.const 224) "out of memory")                              ;; 13 bytes
  (data (i32.const 240) "\n")

  (global $heap (mut i32) (i32.const 1024))

  ;; alloc returns n bytes at the end of the heap, growing the memory as
  ;; needed; it exits on failure.
  (func $alloc (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $pages i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (if (i32.lt_u (local.get $end) (local.get $p))
      (then (call $die (i32.const 224) (i32.const 13) (i32.const 1))))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (local.set $pages
          (i32.sub
            (i32.shr_u (i32.add (local.get $end) (i32.const 0xffff)) (i32.const 16))
            (memory.size)))
        (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1))
          (then (call $die (i32.const 224) (i32.const 13) (i32.const 1))))))
    (global.set $heap (local.get $end))
    (local.get $p))

  ;; write writes n bytes at p to fd, all of them; it returns false when it
  ;; cannot.
  (func $write (param $fd i32) (param $p i32) (param $n i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store (i32.const 0) (local.get $p))
        (i32.store (i32.const 4) (local.get $n))
        (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.load (i32.const 8))))
        (local.set $n (i32.sub (local.get $n) (i32.load (i32.const 8))))
        (br $more)))
    (i32.const 1))

  ;; die writes a message and a newline to stderr and exits with code.
  (func $die (param $msg i32) (param $n i32) (param $code i32)
    (drop (call $write (i32.const 2) (local.get $msg) (local.get $n)))
    (drop (call $write (i32.const 2) (i32.const 240) (i32.const 1)))
    (call $proc_exit (local.get $code))
    (unreachable))

  ;; host calls request (check is 0) or check (check is 1) until its result
  ;; fits in the buffer at *outp of *maxp bytes (at 48 and 52), growing it,
  ;; and returns the result's length; an error message is written to stderr
  ;; and ends the run.
  (func $host (param $check i32)
      (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (param $f i32)
      (result i32)
    (local $k i32) (local $n i32)
    (loop $again
      (if (local.get $check)
        (then
          (local.set $k (call $check (local.get $a) (local.get $b) (local.get $c) (local.get $d)
            (local.get $e) (local.get $f) (i32.load (i32.const 48)) (i32.load (i32.const 52)))))
        (else
          (local.set $k (call $request (local.get $a) (local.get $b) (local.get $c) (local.get $d)
            (i32.load (i32.const 48)) (i32.load (i32.const 52))))))
      (if (i32.eq (local.get $k) (i32.const -1))
        (then (call $die (i32.const 144) (i32.const 33) (i32.const 1))))
      (local.set $n (i32.and (local.get $k) (i32.const 0x7fffffff)))
      (if (i32.gt_u (local.get $n) (i32.load (i32.const 52)))
        (then
          (i32.store (i32.const 48) (call $alloc (local.get $n)))
          (i32.store (i32.const 52) (local.get $n))
          (br $again))))
    (if (i32.and (local.get $k) (i32.const 0x80000000))
      (then (call $die (i32.load (i32.const 48)) (local.get $n) (i32.const 1))))
    (local.get $n))

  ;; nul returns the offset of the first NUL byte in [p, end), or end.
  (func $nul (param $p i32) (param $end i32) (result i32)
    (block $found
      (loop $scan
        (br_if $found (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $found (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scan)))
    (local.get $p))

  (func $start (export "_start")
    (local $argv i32) (local $name i32) (local $nameLen i32)
    (local $req i32) (local $reqLen i32) (local $cap i32) (local $extra i32)
    (local $list i32) (local $end i32) (local $config i32) (local $configLen i32)
    (local $path i32) (local $pathEnd i32) (local $n i32)

    ;; argv[1] is the built-in to run.
    (if (call $args_sizes_get (i32.const 16) (i32.const 20))
      (then (call $die (i32.const 64) (i32.const 19) (i32.const 2))))
    (if (i32.ne (i32.load (i32.const 16)) (i32.const 2))
      (then (call $die (i32.const 64) (i32.const 19) (i32.const 2))))
    (local.set $argv (call $alloc (i32.const 8)))
    (local.set $name (call $alloc (i32.load (i32.const 20))))
    (if (call $args_get (local.get $argv) (local.get $name))
      (then (call $die (i32.const 64) (i32.const 19) (i32.const 2))))
    (local.set $name (i32.load offset=4 (local.get $argv)))
    (local.set $nameLen
      (i32.sub (call $nul (local.get $name) (global.get $heap)) (local.get $name)))

    ;; The request: standard input to its end, in a buffer at the end of
    ;; the heap that grows in place.
    (local.set $cap (i32.const 65536))
    (local.set $req (call $alloc (local.get $cap)))
    (block $eof
      (loop $read
        (if (i32.eq (local.get $reqLen) (local.get $cap))
          (then
            (local.set $extra (local.get $cap))
            (drop (call $alloc (local.get $extra)))
            (local.set $cap (i32.add (local.get $cap) (local.get $extra)))))
        (i32.store (i32.const 0) (i32.add (local.get $req) (local.get $reqLen)))
        (i32.store (i32.const 4) (i32.sub (local.get $cap) (local.get $reqLen)))
        (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $die (i32.const 96) (i32.const 40) (i32.const 1))))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (local.set $reqLen (i32.add (local.get $reqLen) (i32.load (i32.const 8))))
        (br $read)))

    ;; The config and the paths, in a buffer of their own.
    (i32.store (i32.const 48) (call $alloc (i32.const 65536)))
    (i32.store (i32.const 52) (i32.const 65536))
    (local.set $n (call $host (i32.const 0) (local.get $name) (local.get $nameLen)
      (local.get $req) (local.get $reqLen) (i32.const 0) (i32.const 0)))
    (local.set $list (i32.load (i32.const 48)))
    (local.set $end (i32.add (local.get $list) (local.get $n)))
    (local.set $config (local.get $list))
    (local.set $path (call $nul (local.get $list) (local.get $end)))
    (local.set $configLen (i32.sub (local.get $path) (local.get $config)))

    ;; The findings of each file go to a buffer the checks reuse.
    (i32.store (i32.const 48) (call $alloc (i32.const 65536)))
    (i32.store (i32.const 52) (i32.const 65536))
    (block $last
      (loop $each
        (br_if $last (i32.ge_u (local.get $path) (local.get $end)))
        (local.set $path (i32.add (local.get $path) (i32.const 1)))
        (local.set $pathEnd (call $nul (local.get $path) (local.get $end)))
        (local.set $n (call $host (i32.const 1) (local.get $name) (local.get $nameLen)
          (local.get $path) (i32.sub (local.get $pathEnd) (local.get $path))
          (local.get $config) (local.get $configLen)))
        (if (i32.eqz (call $write (i32.const 1) (i32.load (i32.const 48)) (local.get $n)))
          (then (call $die (i32.const 184) (i32.const 35) (i32.const 1))))
        (local.set $path (local.get $pathEnd))
        (br $each))))
)

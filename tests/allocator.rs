//! The allocator setting of the binary and the examples: mimalloc's purge delay, 1000 ms
//! by default in the vendored mimalloc 3 (10 ms in mimalloc 2), becomes -1 (never purge).

#![allow(unsafe_code)]

#[test]
fn keep_freed_memory_turns_purging_off() {
    let before = iqa::allocator::purge_delay();
    assert!(
        before == 1000 || before == 10,
        "option 15 should be mimalloc's purge delay (default 1000 or 10 ms), reads {before}"
    );
    // SAFETY: the only test of this binary; the harness's threads do not allocate through
    // mimalloc (it is not the global allocator here).
    unsafe { iqa::allocator::keep_freed_memory() };
    assert_eq!(iqa::allocator::purge_delay(), -1);
}

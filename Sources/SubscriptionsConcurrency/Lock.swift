import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if SUBSCRIPTIONS_THREAD_SANITIZER
/// The package's lock around mutable state: `Mutex`, except in ThreadSanitizer builds
/// (`scripts/sanitize.sh` passes `-DSUBSCRIPTIONS_THREAD_SANITIZER`), where it is ``PThreadLocked``.
///
/// `Synchronization.Mutex` locks with atomics inside the standard library, which is not compiled for
/// ThreadSanitizer, so the sanitizer cannot see it and reports every access it guards as a race. A
/// pthread mutex is seen (the sanitizer intercepts `pthread_mutex_lock`), so sanitizer builds check
/// the same code with a lock the sanitizer understands.
package typealias Lock<Value> = PThreadLocked<Value>
#else
/// The package's lock around mutable state: `Mutex`, except in ThreadSanitizer builds
/// (`-DSUBSCRIPTIONS_THREAD_SANITIZER`), where it is ``PThreadLocked``, a lock the sanitizer can see.
package typealias Lock<Value> = Mutex<Value>
#endif

/// A value guarded by a pthread mutex, with `Mutex`'s `withLock`.
package final class PThreadLocked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    /// Guards `value`.
    package init(_ value: Value) {
        self.value = value
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock.
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

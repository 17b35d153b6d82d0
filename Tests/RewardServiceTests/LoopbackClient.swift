// Running many loopback clients (TestSupport's LoopbackClient) on their own threads, outside the
// Swift concurrency pool.
import Foundation
import Glibc
import HTTPServer
import TestSupport

struct ClientError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body(i)` for i in 0..<count, each on its own thread, and resumes when all are done.
/// Returns the errors thrown, if any.
func runClients(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) async -> [String] {
    await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
        let group = DispatchGroup()
        let errors = ErrorList()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                do { try body(index) } catch { errors.append("client \(index): \(error)") }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.notify(queue: .global()) { continuation.resume(returning: errors.all) }
    }
}

/// One blocking call on its own thread.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let result = Box<Result<T, any Error>?>(nil)
    _ = await runClients(1) { _ in result.value = Result { try work() } }
    return try result.value!.get()
}

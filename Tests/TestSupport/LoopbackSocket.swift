// The socket under every loopback test client: a blocking TCP connection to 127.0.0.1 with a
// receive timeout, so a server that never answers fails the test instead of hanging it.
import Glibc

public struct LoopbackError: Error, CustomStringConvertible {
    public let description: String
}

/// Connects to `127.0.0.1:port`; the caller owns (and closes) the returned descriptor.
public func connectLoopback(port: Int, receiveTimeout: Duration = .seconds(10)) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoopbackError(description: "socket: errno \(errno)") }
    var time = timeval(
        tv_sec: Int(receiveTimeout.components.seconds),
        tv_usec: Int(receiveTimeout.components.attoseconds / 1_000_000_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        let saved = errno
        close(fd)
        throw LoopbackError(description: "connect to port \(port): errno \(saved)")
    }
    return fd
}

/// Polls `condition` until it holds or `timeout` passes; for test code on its own thread, waiting for
/// an event (a request reaching its handler, a connection closing) instead of sleeping a fixed time.
public func waitUntil(timeout: Duration = .seconds(30), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

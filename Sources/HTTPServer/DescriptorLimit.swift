// The process's open-file limit (RLIMIT_NOFILE). Every connection is a descriptor, so the
// connection cap must stay below it, with room for the model's files, logs and the listener.

import Glibc

public enum DescriptorLimit {
    /// Descriptors kept free for everything that is not a client connection.
    public static let reserved = 64

    /// Raises the soft limit to the hard one (allowed without privileges) and returns both as
    /// they are afterwards; nil when the limit cannot be read.
    public static func raiseSoftToHard() -> (soft: Int, hard: Int)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return (clamp(limit.rlim_cur), clamp(limit.rlim_max))
    }

    /// The largest connection cap that leaves `reserved` descriptors free under `soft`.
    public static func connectionCap(soft: Int) -> Int { max(1, soft - reserved) }

    private static func clamp(_ value: rlim_t) -> Int { value >= rlim_t(Int.max) ? Int.max : Int(value) }
}

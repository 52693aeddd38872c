import Foundation

/// The `Retry-After` header (RFC 9110 §10.2.3): delay seconds, or an HTTP date.
enum RetryAfter {
    /// How long to wait; nil when the value is neither form. A date in the past means no wait.
    static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = try? Date(text, strategy: Self.httpDate) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }

    /// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, the form HTTP dates are sent in.
    private static let httpDate = Date.VerbatimFormatStyle(
        format:
            "\(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .padded(4)) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) GMT",
        locale: Locale(identifier: "en_US_POSIX"),
        timeZone: TimeZone(identifier: "GMT")!,
        calendar: Calendar(identifier: .gregorian)
    ).parseStrategy
}

/// The version this build reports in `GET /health`.
public enum EventStoreVersion {
    public static let current = "0.1.0"
}

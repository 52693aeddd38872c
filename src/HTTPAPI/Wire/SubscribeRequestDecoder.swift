import EventJSON
import EventStoreCore

/// Decodes the body of `POST /topics/{topic}/subscribe`: `{"callback_url", "types"?, "key"?, "batch_size"?}`.
///
/// Strict like the publish decoder: unknown fields and wrong types are refused with a message naming the field.
enum SubscribeRequestDecoder {

    static func decode(_ bytes: [UInt8], topic: TopicName, from: Int64) throws(EventStoreError) -> SubscriptionRequest {
        var reader = JSONReader(bytes)
        do throws(JSONParseError) {
            guard try reader.peekKind() == .object else {
                throw reader.shapeError("the body must be a JSON object: {\"callback_url\": ..., \"types\"?, \"key\"?, \"batch_size\"?}")
            }
            var callbackURL: String?
            var filter = EventFilter()
            var batchSize: Int?
            try reader.readObject { field, reader throws(JSONParseError) in
                switch field {
                case "callback_url":
                    callbackURL = try PublishRequestDecoder.string(&reader, "callback_url")
                case "types":
                    filter.types = try PublishRequestDecoder.stringArray(&reader, "types")
                    guard filter.types.count <= EventFilter.maximumValues else {
                        throw reader.shapeError("types holds more than \(EventFilter.maximumValues) entries")
                    }
                case "key":
                    if try !reader.readNullIfPresent() {
                        filter.keys = [try PublishRequestDecoder.string(&reader, "key")]
                    }
                case "batch_size":
                    let value = try PublishRequestDecoder.integer(&reader, "batch_size")
                    batchSize = Int(clamping: value)
                default:
                    throw reader.shapeError("unknown field '\(field)'; a subscription has callback_url, types, key and batch_size")
                }
            }
            try reader.expectEnd()
            guard let callbackURL else { throw reader.shapeError("callback_url is required") }
            return SubscriptionRequest(topic: topic, from: from, callbackURL: callbackURL, filter: filter, batchSize: batchSize)
        } catch {
            throw EventStoreError(.invalidArgument, error.description)
        }
    }
}

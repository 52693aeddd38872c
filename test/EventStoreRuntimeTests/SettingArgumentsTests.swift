import Configuration
import EventStoreEngine
import EventStoreRuntime
import EventStoreServer
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Settings declared once")
struct SettingArgumentsTests {
    private func reader(_ arguments: [String]) throws -> ConfigReader {
        ConfigReader(provider: InMemoryProvider(values: try SettingArguments.parse(arguments, definitions: ServerSetting.all)))
    }

    @Test func flagsOfEveryKindAreRead() throws {
        let settings = try ServerSettings(
            reader: self.reader([
                "--port", "0", "--data-dir=/tmp/x", "--postgres-allow", "127.0.0.1", "--postgres-allow", "10.0.0.0/8",
                "--postgres-allow-client-files", "--webhook-linger", "0.25", "--max-projections-per-topic", "3",
                "--fs-recent-bytes", "0",
            ])
        )
        #expect(settings.runtime.fileSystemRecentBytes == 0)
        #expect(settings.port == 0)
        #expect(settings.runtime.dataDirectory == "/tmp/x")
        #expect(settings.runtime.postgresAllow == ["127.0.0.1", "10.0.0.0/8"])
        #expect(settings.runtime.postgresAllowClientFiles)
        #expect(settings.deliveryPolicy.linger == .milliseconds(250))
        #expect(settings.runtime.projectionLimits.maxPerTopic == 3)
        #expect(settings.host == ServerSetting.host.defaultValue)
    }

    @Test(arguments: [
        (["--bogus", "1"], "unknown option '--bogus'"),
        (["--port"], "--port needs a value"),
        (["--port", "eighty"], "--port needs a whole number"),
        (["--webhook-linger", "nan"], "--webhook-linger needs a number"),
        (["--postgres-allow-client-files=yes"], "takes no value"),
        (["stray"], "unexpected argument 'stray'"),
    ])
    func badArgumentsAreNamed(arguments: [String], message: String) {
        let error = #expect(throws: SettingsError.self) { try SettingArguments.parse(arguments, definitions: ServerSetting.all) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        (["--max-connections", "0"], "--max-connections must be in 1..."),
        (["--fs-recent-bytes", "-1"], "--fs-recent-bytes must be in 0...1073741824"),
        (["--fs-recent-bytes", "9223372036854775807"], "--fs-recent-bytes must be in 0...1073741824"),
    ])
    func valuesOutOfRangeNameTheirFlag(arguments: [String], message: String) {
        let error = #expect(throws: SettingsError.self) { try ServerSettings(reader: self.reader(arguments)) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func environmentVariablesFollowTheKeys() {
        #expect(RuntimeSetting.maxPageSize.definition.environmentVariable == "EVENTSTORE_LIMITS_MAX_PAGE_SIZE")
        #expect(ServerSetting.idleTimeout.definition.environmentVariable == "EVENTSTORE_HTTP_IDLE_TIMEOUT_SECONDS")
        #expect(RuntimeSetting.catalog.definition.environmentVariable == "EVENTSTORE_CATALOG")
    }

    @Test func everySettingHasOneFlagAndIsDocumented() throws {
        let flags = ServerSetting.all.map(\.flag)
        #expect(Set(flags).count == flags.count)
        let readme = try String(contentsOfFile: #filePath.components(separatedBy: "/test/")[0] + "/README.md", encoding: .utf8)
        for definition in ServerSetting.all {
            #expect(readme.contains("`--\(definition.flag)`"), "README lacks --\(definition.flag)")
            #expect(readme.contains("`\(definition.environmentVariable)`"), "README lacks \(definition.environmentVariable)")
        }
    }
}

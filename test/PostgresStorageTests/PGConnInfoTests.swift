import EventStoreCore
import EventStoreTesting
import Testing

@testable import PostgresStorage

/// Connection strings as libpq reads them: redaction, refusal without echo, the default connect timeout.
@Suite struct PGConnInfoTests {
    /// Every way a password hides in a connection string is masked, and nothing of it is left.
    @Test(arguments: [
        ("postgres://app:pa?ss#wd@db.example.com:5433/events", "pa?ss#wd"),
        ("postgresql://app:p%40ss%3Fw%23d@db/events", "p@ss?w#d"),
        ("postgres://db/events?user=app&password=hunter2&sslmode=require", "hunter2"),
        ("host=db user=app password = s3cret dbname=events", "s3cret"),
        (#"host=db password='a\' b' dbname=events"#, "a' b"),
        ("host=db password=tls-key sslpassword=keypass", "keypass"),
    ])
    func everySecretIsMasked(_ connection: String, _ secret: String) throws {
        let redacted = PostgresStorageAdapter.redact(connection)
        #expect(!redacted.contains(secret), "\(redacted)")
        #expect(!redacted.contains("hunter2") && !redacted.contains("s3cret") && !redacted.contains("pa?ss"), "\(redacted)")
        #expect(redacted.contains("password=***"), "\(redacted)")
        #expect(redacted.contains("db"), "what is not secret is still shown: \(redacted)")
    }

    /// A string libpq cannot read is masked whole: a malformed percent-escape would otherwise come back in libpq's
    /// error.
    @Test(arguments: ["postgres://app:bad%zzsecret@db/events", "host=db password='unterminated secret", "&\t²¿Øl secret"])
    func anUnreadableStringIsMaskedWhole(_ connection: String) {
        #expect(PostgresStorageAdapter.redact(connection) == "***")
    }

    /// An unreadable string is the client's mistake: 422 saying what libpq found, without the client's text.
    @Test(arguments: ["&\t²¿Øl secret", "postgres://app:bad%zzsecret@db/events", "host=db nonsense=secret", "host=db password='secret"])
    func anUnreadableStringIsRefusedWithoutEchoingIt(_ connection: String) {
        let error = expectError(.unsupportedConfiguration) { try PGConnInfo(connection) }
        #expect(error?.message.contains("is not a PostgreSQL connection string") == true, "\(String(describing: error))")
        #expect(error?.message.contains("secret") == false, "\(String(describing: error))")
    }

    @Test func connectionsGetTheDefaultConnectTimeoutUnlessTheySetOne() throws {
        let plain = try PGConnInfo("postgres://app@db/events").connectionString(defaults: [("connect_timeout", "5")])
        #expect(try PGConnInfo(plain)["connect_timeout"] == "5")
        #expect(try PGConnInfo(plain)["host"] == "db")
        let own = try PGConnInfo("postgres://app@db/events?connect_timeout=2").connectionString(defaults: [("connect_timeout", "5")])
        #expect(try PGConnInfo(own)["connect_timeout"] == "2")
        let quoted = try PGConnInfo(#"host=db password='a\' b\\c'"#).connectionString()
        #expect(try PGConnInfo(quoted)["password"] == #"a' b\c"#, "values survive quoting: \(quoted)")
    }
}

@Suite struct PostgresServerPolicyTests {
    func refusal(_ policy: PostgresServerPolicy, _ connection: String) throws -> String? {
        policy.refusal(try PGConnInfo(connection))
    }

    @Test func withoutAnAllowListAnyTCPServerIsAllowed() throws {
        let policy = PostgresServerPolicy.unrestricted
        #expect(try refusal(policy, "postgres://app@db.example.com/events") == nil)
        #expect(try refusal(policy, "host=10.0.0.5 port=6432 dbname=events") == nil)
    }

    @Test func unixSocketsAreRefusedUnlessTheirDirectoryIsAllowed() throws {
        for connection in ["dbname=events", "host=/var/run/postgresql dbname=events", "postgres:///events", "host=@abstract dbname=x"] {
            #expect(try refusal(.unrestricted, connection) != nil, "\(connection)")
        }
        let socket = try PostgresServerPolicy(allow: ["/var/run/postgresql/"])
        #expect(try refusal(socket, "host=/var/run/postgresql dbname=events") == nil)
        #expect(try refusal(socket, "host=/tmp dbname=events") != nil)
    }

    @Test(arguments: ["passfile=/root/.pgpass", "service=prod", "sslkey=/etc/ssl/private/key.pem", "sslcert=/x", "sslrootcert=/x", "sslcrl=/x", "sslcrldir=/x"])
    func filesOfThisServerAreRefusedUnlessAllowed(_ option: String) throws {
        #expect(try refusal(.unrestricted, "host=db \(option)")?.contains("may not name files of this server") == true)
        #expect(try refusal(try PostgresServerPolicy(allow: [], allowsClientFiles: true), "host=db \(option)") == nil)
    }

    @Test func anAllowListAdmitsOnlyTheServersItNames() throws {
        let policy = try PostgresServerPolicy(allow: ["db.example.com", "127.0.0.1:5433", "10.1.0.0/16", "[::1]:5432"])
        for allowed in [
            "postgres://app@DB.example.com./events", "postgres://app@db.example.com:6000/events", "host=127.0.0.1 port=5433",
            "host=10.1.2.3", "host=db.example.com,10.1.9.9 port=5432,5432", "postgres://[::1]/x", "hostaddr=10.1.0.7",
            "host=10.1.0.7 hostaddr=10.1.0.7",
        ] {
            #expect(try refusal(policy, allowed) == nil, "\(allowed)")
        }
        for refused in [
            "postgres://app@evil.example/events", "host=127.0.0.1", "host=127.0.0.1 port=5432", "host=10.2.0.1", "host=db.example.com,evil.example",
            "postgres://[::1]:5433/x", "host=db.example.com.evil.example",
        ] {
            #expect(try refusal(policy, refused)?.contains("not allowed") == true, "\(refused)")
        }
    }

    /// libpq picks a `~/.pgpass` password by `host` and sends it to `hostaddr`: they must agree.
    @Test(arguments: ["host=db.example.com hostaddr=192.0.2.1", "host=db.example.com hostaddr=10.1.0.7", "host=a,b hostaddr=10.1.0.7,10.1.0.8"])
    func aHostaddrOtherThanItsHostIsRefused(_ connection: String) throws {
        let policy = try PostgresServerPolicy(allow: ["db.example.com", "10.1.0.0/16"])
        #expect(try refusal(policy, connection)?.contains("hostaddr must be the address host names") == true)
        #expect(try refusal(.unrestricted, connection)?.contains("hostaddr must be the address host names") == true)
    }

    @Test(arguments: [
        ("host=db connect_timeout=0", "connect_timeout must be from 1 to 60"), ("host=db connect_timeout=61", "connect_timeout must be from 1 to 60"),
        ("host=db connect_timeout=x", "connect_timeout must be from 1 to 60"), ("host=db replication=database", "option 'replication' is not allowed"),
        ("host=db krbsrvname=x", "option 'krbsrvname' is not allowed"), ("host=a,b,c,d,e,f,g,h,i", "more than 8 hosts"),
    ])
    func timeoutsHostsAndUnknownOptionsAreBounded(_ connection: String, _ reason: String) throws {
        #expect(try refusal(.unrestricted, connection)?.contains(reason) == true, "\(connection)")
    }

    @Test func unreadableRulesAreRefused() {
        for rule in ["db:0", "db:99999", "db:x", "", "[::1]:", "a b", "*.example.com"] {
            #expect(throws: PostgresServerPolicyError.self, "\(rule)") { try PostgresServerPolicy(allow: [rule]) }
        }
    }
}

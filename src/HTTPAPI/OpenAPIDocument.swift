/// The API's OpenAPI 3.1 document, served at `GET /openapi.yaml`. It is the API's reference: a test fails when
/// the router serves a route this document does not describe.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: Event store topic service
          version: 0.1.0
          description: |
            Stores ordered, immutable events in named topics, each bound to a storage adapter.
            Errors are RFC 9457 problem documents (application/problem+json).
          license:
            name: Apache-2.0
            identifier: Apache-2.0
        servers:
          - url: http://127.0.0.1:8080
        security:
          - bearerAuth: []
        tags:
          - name: topics
            description: The control plane
          - name: events
            description: The data plane
          - name: subscriptions
            description: Transient webhook subscriptions
          - name: projections
            description: Read models kept current in the background (the query side)
          - name: operations
            description: Health, metrics and this document
          - name: console
            description: The web console, served by the binary itself
        paths:
          /health:
            get:
              tags: [operations]
              operationId: getHealth
              x-required-role: public
              security: [{}, {bearerAuth: []}]
              summary: Service status, version, uptime, and each topic's adapter and state
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "200":
                  description: Every topic's storage is usable
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Health" }
                "503":
                  description: At least one topic's storage is down
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Health" }
          /health/live:
            get:
              tags: [operations]
              operationId: getLiveness
              x-required-role: public
              security: []
              summary: The process answers (asks no storage); for liveness probes
              responses:
                "200":
                  description: The process is up
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status]
                        properties:
                          status: { type: string, enum: [ok] }
          /metrics:
            get:
              tags: [operations]
              operationId: getMetrics
              x-required-role: public
              security: [{}, {bearerAuth: []}]
              summary: Metrics in the Prometheus text format
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "200":
                  description: Prometheus text exposition format 0.0.4
                  content:
                    text/plain:
                      schema: { type: string }
          /openapi.yaml:
            get:
              tags: [operations]
              operationId: getOpenAPIDocument
              x-required-role: public
              security: []
              summary: This document
              responses:
                "200":
                  description: The OpenAPI 3.1 document
                  content:
                    application/yaml:
                      schema: { type: object, description: The OpenAPI document (YAML) }
          /console:
            get:
              tags: [console]
              operationId: getConsole
              x-required-role: public
              security: []
              summary: The web console (its page holds no data; it asks for a token when the API needs one)
              parameters:
                - $ref: "#/components/parameters/IfNoneMatch"
              responses:
                "200":
                  description: The console's page, with a strict Content-Security-Policy
                  headers:
                    ETag: { $ref: "#/components/headers/ETag" }
                    Content-Security-Policy: { $ref: "#/components/headers/ContentSecurityPolicy" }
                  content:
                    text/html:
                      schema: { type: string }
                "304": { $ref: "#/components/responses/NotModified" }
          /console/{asset}:
            get:
              tags: [console]
              operationId: getConsoleAsset
              x-required-role: public
              security: []
              summary: A file the console's page loads (its script, stylesheet and icon)
              parameters:
                - name: asset
                  in: path
                  required: true
                  schema: { type: string, examples: [console.js, console.css, icon.svg] }
                - $ref: "#/components/parameters/IfNoneMatch"
              responses:
                "200":
                  description: The file
                  headers:
                    ETag: { $ref: "#/components/headers/ETag" }
                    Content-Security-Policy: { $ref: "#/components/headers/ContentSecurityPolicy" }
                  content:
                    text/javascript:
                      schema: { type: string }
                    text/css:
                      schema: { type: string }
                    image/svg+xml:
                      schema: { type: string }
                "304": { $ref: "#/components/responses/NotModified" }
                "404": { $ref: "#/components/responses/NotFound" }
          /topics:
            get:
              tags: [topics]
              operationId: listTopics
              x-required-role: reader
              summary: Every attached topic, by name
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The topics, secrets redacted
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [topics]
                        properties:
                          topics:
                            type: array
                            items: { $ref: "#/components/schemas/Topic" }
            post:
              tags: [topics]
              operationId: createTopic
              x-required-role: admin
              summary: Attach a topic to a storage adapter
              description: |
                Creates the topic and persists its configuration in the catalog. Repeating an identical
                configuration answers 200; a different configuration under an existing name answers 409.
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/TopicConfiguration" }
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "201":
                  description: Created
                  headers:
                    Location:
                      description: The topic's URL
                      schema: { type: string }
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Topic" }
                "200":
                  description: The identical topic already existed
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Topic" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "409": { $ref: "#/components/responses/Conflict" }
                "413": { $ref: "#/components/responses/ContentTooLarge" }
                "415": { $ref: "#/components/responses/UnsupportedMediaType" }
                "422": { $ref: "#/components/responses/Unprocessable" }
                "503": { $ref: "#/components/responses/Unavailable" }
          /topics/{topic}:
            parameters:
              - $ref: "#/components/parameters/Topic"
            get:
              tags: [topics]
              operationId: getTopic
              x-required-role: reader
              summary: A topic's configuration (redacted), state, head and event count
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The topic
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Topic" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
            delete:
              tags: [topics]
              operationId: deleteTopic
              x-required-role: admin
              summary: Detach a topic; its stored events are kept
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "204":
                  description: Detached
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "503": { $ref: "#/components/responses/Unavailable" }
          /topics/{topic}/events:
            parameters:
              - $ref: "#/components/parameters/Topic"
            post:
              tags: [events]
              operationId: publishEvents
              x-required-role: writer
              summary: Publish one event, or an atomic batch with an optional condition
              description: |
                Answers once the events are durable for the topic's adapter. Offsets are per topic, from 0,
                gap-free, in commit order. An event whose id the topic already holds is not stored again: its
                original offset is returned with duplicate true. When every event was a duplicate the answer is
                200 (nothing was written, the condition is not checked); otherwise 201.
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      oneOf:
                        - $ref: "#/components/schemas/EventInput"
                        - $ref: "#/components/schemas/PublishBatch"
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "201":
                  description: Stored
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/AppendResult" }
                "200":
                  description: Every event was already stored; nothing was written
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/AppendResult" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "409": { $ref: "#/components/responses/Conflict" }
                "413": { $ref: "#/components/responses/ContentTooLarge" }
                "415": { $ref: "#/components/responses/UnsupportedMediaType" }
                "422": { $ref: "#/components/responses/Unprocessable" }
                "503": { $ref: "#/components/responses/Unavailable" }
                "507": { $ref: "#/components/responses/StorageFull" }
            get:
              tags: [events]
              operationId: readEvents
              x-required-role: reader
              summary: Read events in offset order
              description: |
                Returns up to `limit` matching events at offsets >= `from`. Continue from `next_offset`.
                With filters a page may hold fewer than `limit` events although more exist after `next_offset`.
              parameters:
                - name: from
                  in: query
                  description: The first offset to examine (inclusive)
                  schema: { type: integer, format: int64, minimum: 0, default: 0 }
                - name: limit
                  in: query
                  description: The most events to return (the server's maximum is configurable, 10000 by default)
                  schema: { type: integer, minimum: 1, maximum: 10000, default: 100 }
                - $ref: "#/components/parameters/TypeFilter"
                - $ref: "#/components/parameters/KeyFilter"
                - $ref: "#/components/parameters/TagFilter"
                - name: wait
                  in: query
                  description: |
                    Long poll: when no matching event exists at or after `from` yet, wait up to this many seconds
                    for one to be appended, and answer as soon as it is (an empty page when the time runs out)
                  schema: { type: integer, minimum: 0, maximum: 30 }
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: A page of events
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/EventPage" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "429": { $ref: "#/components/responses/TooManyRequests" }
                "503": { $ref: "#/components/responses/Unavailable" }
          /topics/{topic}/events/stream:
            parameters:
              - $ref: "#/components/parameters/Topic"
            get:
              tags: [events]
              operationId: streamEvents
              x-required-role: reader
              summary: Follow a topic as Server-Sent Events
              description: |
                A `text/event-stream` (WHATWG Server-Sent Events): one SSE event per stored event matching the
                filters, `id:` its offset and `data:` the event as `GET .../events` shows it, on one line; catch-up
                from `from` (or after `Last-Event-ID`), then live, with no gap or duplicate between the two. A comment
                (`: heartbeat`) after --stream-heartbeat seconds (15) without an event. When the topic is deleted, a
                final `event: end` and the stream closes; it also ends at the server's shutdown. A client more than
                --stream-max-buffered-bytes (4 MiB) behind is disconnected. Resume with `Last-Event-ID`.
              parameters:
                - name: from
                  in: query
                  description: The first offset to send (inclusive); `Last-Event-ID` wins over it
                  schema: { type: integer, format: int64, minimum: 0, default: 0 }
                - name: Last-Event-ID
                  in: header
                  description: The offset of the last event received; the stream resumes after it
                  schema: { type: integer, format: int64, minimum: 0 }
                - $ref: "#/components/parameters/TypeFilter"
                - $ref: "#/components/parameters/KeyFilter"
                - $ref: "#/components/parameters/TagFilter"
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The stream, until the topic is deleted, the client leaves or the server shuts down
                  content:
                    text/event-stream:
                      schema: { type: string }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "422": { $ref: "#/components/responses/Unprocessable" }
                "429": { $ref: "#/components/responses/TooManyRequests" }
                "503": { $ref: "#/components/responses/Unavailable" }
          /topics/{topic}/events/{offset}:
            parameters:
              - $ref: "#/components/parameters/Topic"
              - name: offset
                in: path
                required: true
                schema: { type: integer, format: int64, minimum: 0 }
            get:
              tags: [events]
              operationId: readEvent
              x-required-role: reader
              summary: The event at one offset
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The event
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Event" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "503": { $ref: "#/components/responses/Unavailable" }
          /topics/{topic}/subscribe:
            parameters:
              - $ref: "#/components/parameters/Topic"
            post:
              tags: [subscriptions]
              operationId: subscribe
              x-required-role: reader
              summary: Start a webhook subscription
              description: |
                Delivers the topic's events from `from` to `callback_url` as signed POSTs (see the
                `subscriptionCallback` webhook): catch-up first, then live, in offset order, one batch in flight,
                the next batch only after a 2xx. Subscriptions are kept in memory: a restart forgets them, and a
                client resumes by subscribing again from the `next_offset` of the last callback it acknowledged.
              parameters:
                - name: from
                  in: query
                  description: The first offset to deliver (inclusive)
                  schema: { type: integer, format: int64, minimum: 0, default: 0 }
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/SubscribeRequest" }
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "201":
                  description: Subscribed; the answer carries the signing secret, shown only here
                  headers:
                    Location:
                      schema: { type: string }
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/NewSubscription" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "413": { $ref: "#/components/responses/ContentTooLarge" }
                "415": { $ref: "#/components/responses/UnsupportedMediaType" }
                "422":
                  description: The callback destination is refused by the delivery policy (callback-refused), or the service holds its maximum number of subscriptions (limit-exceeded)
                  content:
                    application/problem+json:
                      schema: { $ref: "#/components/schemas/Problem" }
          /topics/{topic}/subscriptions:
            parameters:
              - $ref: "#/components/parameters/Topic"
            get:
              tags: [subscriptions]
              operationId: listSubscriptions
              x-required-role: reader
              summary: The topic's subscriptions, oldest first
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: Subscriptions with their progress
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [subscriptions]
                        properties:
                          subscriptions:
                            type: array
                            items: { $ref: "#/components/schemas/Subscription" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
          /topics/{topic}/subscriptions/{id}:
            parameters:
              - $ref: "#/components/parameters/Topic"
              - name: id
                in: path
                required: true
                schema: { type: string, format: uuid }
            get:
              tags: [subscriptions]
              operationId: getSubscription
              x-required-role: reader
              summary: One subscription's settings and progress
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The subscription
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Subscription" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
            delete:
              tags: [subscriptions]
              operationId: deleteSubscription
              x-required-role: reader
              summary: Stop a subscription at once and forget it
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "204":
                  description: Stopped; an in-flight callback is abandoned
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
          /topics/{topic}/projections:
            parameters:
              - $ref: "#/components/parameters/Topic"
            post:
              tags: [projections]
              operationId: addProjection
              x-required-role: admin
              summary: Declare a projection; it is stored with the topic and starts from offset 0
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/ProjectionDefinition" }
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "201":
                  description: Declared; its worker catches up in the background
                  headers:
                    Location:
                      schema: { type: string }
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Projection" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "409": { $ref: "#/components/responses/Conflict" }
                "413": { $ref: "#/components/responses/ContentTooLarge" }
                "415": { $ref: "#/components/responses/UnsupportedMediaType" }
                "422": { $ref: "#/components/responses/Unprocessable" }
                "503": { $ref: "#/components/responses/Unavailable" }
            get:
              tags: [projections]
              operationId: listProjections
              x-required-role: reader
              summary: The topic's projections, each with its state, checkpoint and lag
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The projections, by name
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [projections]
                        properties:
                          projections:
                            type: array
                            items: { $ref: "#/components/schemas/Projection" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
          /topics/{topic}/projections/{name}:
            parameters:
              - $ref: "#/components/parameters/Topic"
              - $ref: "#/components/parameters/Projection"
            get:
              tags: [projections]
              operationId: getProjection
              x-required-role: reader
              summary: A projection's summary with its whole state (stats) or a page of its entries (by-key kinds)
              description: |
                Entries come in key order (UTF-8 bytes). `checkpoint` is the next offset the projection will apply:
                every event below it is applied (or skipped by its filter), and the data shown reflects exactly that.
              parameters:
                - $ref: "#/components/parameters/MinCheckpoint"
                - $ref: "#/components/parameters/Wait"
                - name: after
                  in: query
                  description: Entries after this key (exclusive); the `next_after` of the previous page
                  schema: { type: string, maxLength: 4096 }
                - name: prefix
                  in: query
                  description: Only entries whose key starts with this
                  schema: { type: string, maxLength: 4096 }
                - name: limit
                  in: query
                  schema: { type: integer, minimum: 1, maximum: 1000, default: 100 }
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The projection at its checkpoint
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/ProjectionView" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "503": { $ref: "#/components/responses/Unavailable" }
                "504": { $ref: "#/components/responses/CheckpointTimeout" }
            delete:
              tags: [projections]
              operationId: deleteProjection
              x-required-role: admin
              summary: Remove a projection and its read model
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "204":
                  description: Removed
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "503": { $ref: "#/components/responses/Unavailable" }
          /topics/{topic}/projections/{name}/entries/{key}:
            parameters:
              - $ref: "#/components/parameters/Topic"
              - $ref: "#/components/parameters/Projection"
              - name: key
                in: path
                required: true
                description: The entry's key, percent-encoded (`/` as `%2F`)
                schema: { type: string }
            get:
              tags: [projections]
              operationId: getProjectionEntry
              x-required-role: reader
              summary: One entry of a by-key projection
              parameters:
                - $ref: "#/components/parameters/MinCheckpoint"
                - $ref: "#/components/parameters/Wait"
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "200":
                  description: The entry at the projection's checkpoint
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [key, value, checkpoint, lag, generation]
                        properties:
                          key: { type: string }
                          value: { description: The entry's JSON value }
                          checkpoint: { type: integer, format: int64 }
                          lag: { type: integer, format: int64 }
                          generation: { type: integer, format: int64 }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404":
                  description: Unknown topic or projection, or no entry under the key (entry-not-found)
                  content:
                    application/problem+json:
                      schema: { $ref: "#/components/schemas/Problem" }
                "503": { $ref: "#/components/responses/Unavailable" }
                "504": { $ref: "#/components/responses/CheckpointTimeout" }
          /topics/{topic}/projections/{name}/rebuild:
            parameters:
              - $ref: "#/components/parameters/Topic"
              - $ref: "#/components/parameters/Projection"
            post:
              tags: [projections]
              operationId: rebuildProjection
              x-required-role: admin
              summary: Rebuild a projection online, into a new generation swapped in once it has caught up
              description: |
                The old generation is served (and kept current) meanwhile; the summary's `rebuild` shows the new
                generation's progress. A failed projection gets a new worker once its rebuild is swapped in.
              responses:
                "401": { $ref: "#/components/responses/Unauthorized" }
                "403": { $ref: "#/components/responses/Forbidden" }
                "202":
                  description: The rebuild started
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Projection" }
                "400": { $ref: "#/components/responses/BadRequest" }
                "404": { $ref: "#/components/responses/NotFound" }
                "409": { $ref: "#/components/responses/Conflict" }
        components:
          securitySchemes:
            bearerAuth:
              type: http
              scheme: bearer
              description: |
                Required when the server runs with a tokens file (--tokens-file); without one it listens on loopback
                only and every request may do everything. Each operation's `x-required-role` names the least role
                it needs (reader < writer < admin; public needs none; /health and /metrics need any token under
                --private-health and --private-metrics). A token limited to some topics gets 404 for the others.
                Missing or invalid token: 401 with WWW-Authenticate; too weak a role: 403.
          parameters:
            IfNoneMatch:
              name: If-None-Match
              in: header
              required: false
              description: Entity tags of copies the client holds
              schema: { type: string }
            TypeFilter:
              name: type
              in: query
              description: Only events of these types (repeatable)
              schema: { type: array, items: { type: string } }
              style: form
              explode: true
            KeyFilter:
              name: key
              in: query
              description: Only events with one of these keys (repeatable)
              schema: { type: array, items: { type: string } }
              style: form
              explode: true
            TagFilter:
              name: tag
              in: query
              description: Only events carrying all of these tags (repeatable)
              schema: { type: array, items: { type: string } }
              style: form
              explode: true
            Topic:
              name: topic
              in: path
              required: true
              schema:
                type: string
                pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
            Projection:
              name: name
              in: path
              required: true
              schema:
                type: string
                pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"
            MinCheckpoint:
              name: min_checkpoint
              in: query
              description: Answer only once the checkpoint has reached this (a publish's `last_offset + 1`)
              schema: { type: integer, format: int64, minimum: 0 }
            Wait:
              name: wait
              in: query
              description: Seconds to wait for `min_checkpoint` before answering 504 (0 by default)
              schema: { type: integer, minimum: 0, maximum: 30 }
          headers:
            ETag:
              description: The file's entity tag; send it back in If-None-Match to get 304 while it is current
              schema: { type: string }
            ContentSecurityPolicy:
              description: Only this origin's script, styles, images and API; no inline code, frames or form targets
              schema: { type: string }
          responses:
            NotModified:
              description: The copy named by If-None-Match is current
              headers:
                ETag: { $ref: "#/components/headers/ETag" }
            Unauthorized:
              description: Access control is on (--tokens-file) and the request has no valid bearer token
              headers:
                WWW-Authenticate:
                  schema: { type: string }
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            Forbidden:
              description: The token's role or topic patterns do not allow this request
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            CheckpointTimeout:
              description: The projection's checkpoint did not reach `min_checkpoint` within `wait` (wait-timed-out)
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            BadRequest:
              description: Malformed request (invalid JSON, wrong field types, unknown fields, bad parameters)
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            NotFound:
              description: Unknown topic, event, subscription or route
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            Conflict:
              description: A failed append condition (the problem carries `head`), or a topic name bound to another configuration
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            ContentTooLarge:
              description: The body is larger than the configured limit (1 MiB by default)
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            UnsupportedMediaType:
              description: A Content-Type other than application/json
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            Unprocessable:
              description: A configured limit was exceeded, or the topic configuration is not supported
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            Unavailable:
              description: The topic's storage is unavailable or failed its integrity checks (storage-corrupted); nothing was changed
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            StorageFull:
              description: The topic holds as much as it may (a memory topic's --memory-topic-max-bytes); nothing was written
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            TooManyRequests:
              description: |
                The server is at a configured capacity (for a read that would wait: --max-long-polls reads already
                wait); the same request may succeed shortly
              headers:
                Retry-After:
                  description: Seconds to wait before trying again
                  schema: { type: integer }
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
            MethodNotAllowed:
              description: The path exists but not with this method; the Allow header lists the methods
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
          schemas:
            Problem:
              type: object
              description: RFC 9457 problem details
              required: [type, title, status, detail]
              properties:
                type:
                  type: string
                  description: "`urn:eventstore:problem:<code>` for the store's problems, `about:blank` for plain HTTP ones"
                title: { type: string }
                status: { type: integer }
                detail: { type: string }
                instance: { type: string }
                head:
                  type: integer
                  format: int64
                  description: For a failed append condition, the topic's head (the offset the next event would get)
            ProjectionDefinition:
              type: object
              additionalProperties: false
              required: [name, kind]
              properties:
                name:
                  type: string
                  pattern: "^[a-z0-9][a-z0-9_-]{0,62}$"
                kind:
                  type: string
                  description: "`stats`, `latest-by-key`, `state-by-key`, or a kind registered in this build"
                types:
                  type: array
                  maxItems: 100
                  items: { type: string, minLength: 1, maxLength: 256 }
                  description: Fold only these event types (all when absent)
                delete_types:
                  type: array
                  maxItems: 100
                  items: { type: string, minLength: 1, maxLength: 256 }
                  description: Event types that remove their key (by-key kinds only)
            Projection:
              type: object
              required: [name, kind, state, checkpoint, lag, generation, last_error, failed_offset, rebuild, rebuild_error]
              properties:
                name: { type: string }
                kind: { type: string }
                types: { type: array, items: { type: string } }
                delete_types: { type: array, items: { type: string } }
                state:
                  type: string
                  enum: [running, rebuilding, failed]
                  description: "`failed`: a fold failed at `failed_offset`; the other projections keep running"
                checkpoint:
                  type: integer
                  format: int64
                  description: The next offset the projection will apply; every event below it is applied
                lag: { type: integer, format: int64, description: The topic's head minus the checkpoint }
                generation: { type: integer, format: int64, description: The served generation of the read model }
                last_error: { type: [string, "null"] }
                failed_offset: { type: [integer, "null"], format: int64 }
                rebuild:
                  type: [object, "null"]
                  description: A rebuild under way, and how far it has come
                  properties:
                    generation: { type: integer, format: int64 }
                    checkpoint: { type: integer, format: int64 }
                rebuild_error: { type: [string, "null"], description: Why the last rebuild failed, until the next one starts }
            ProjectionView:
              allOf:
                - $ref: "#/components/schemas/Projection"
                - type: object
                  properties:
                    value:
                      description: "The whole state (stats): {count, first_offset, last_offset, first_timestamp, last_timestamp, types: {type: {count, ...}}, types_truncated}; at most 10,000 types are listed"
                    entries:
                      type: array
                      description: A page of entries (by-key kinds), in key order
                      items:
                        type: object
                        required: [key, value]
                        properties:
                          key: { type: string }
                          value: { description: "latest-by-key: the event; state-by-key: the merged state" }
                    next_after:
                      type: [string, "null"]
                      description: Give it as `after` for the next page; null when this was the last
            TopicConfiguration:
              type: object
              additionalProperties: false
              required: [name, adapter]
              properties:
                name:
                  type: string
                  pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
                adapter:
                  type: string
                  enum: [memory, fs, blob, postgres]
                  description: Adapters not included in this build are refused with 422
                connection:
                  type: string
                  description: Adapter-specific location; required by fs, blob and postgres. Secrets are redacted in responses.
                schema: { type: string, maxLength: 63 }
                table: { type: string, maxLength: 63 }
                options:
                  type: object
                  additionalProperties: { type: [string, number, boolean] }
                projections:
                  type: array
                  description: Read models of the topic; not part of its storage binding (a repeat with other projections is not a conflict, the missing ones are added)
                  items: { $ref: "#/components/schemas/ProjectionDefinition" }
            Topic:
              type: object
              required: [name, adapter, options, projections, state, head, event_count]
              properties:
                name: { type: string }
                adapter: { type: string }
                connection: { type: string, description: Redacted }
                schema: { type: string }
                table: { type: string }
                options:
                  type: object
                  additionalProperties: { type: string }
                projections:
                  type: array
                  items: { $ref: "#/components/schemas/ProjectionDefinition" }
                state: { type: string, enum: [ready, failed] }
                reason: { type: string, description: Why the topic failed }
                head:
                  type: [integer, "null"]
                  format: int64
                  description: The offset the next event will get (the topic holds offsets 0..head-1)
                event_count: { type: [integer, "null"], format: int64 }
            EventInput:
              type: object
              additionalProperties: false
              required: [type]
              properties:
                id: { type: string, format: uuid, description: Makes the publish idempotent; generated when absent }
                type: { type: string, minLength: 1 }
                key: { type: [string, "null"] }
                tags:
                  type: array
                  items: { type: string, minLength: 1 }
                data: { description: Any JSON value, stored as sent }
                metadata:
                  type: object
                  additionalProperties: { type: string }
            PublishBatch:
              type: object
              additionalProperties: false
              required: [events]
              properties:
                events:
                  type: array
                  minItems: 1
                  maxItems: 1000
                  items: { $ref: "#/components/schemas/EventInput" }
                condition: { $ref: "#/components/schemas/AppendCondition" }
            AppendCondition:
              type: object
              additionalProperties: false
              description: |
                The batch is written only if the condition holds. `expected_next_offset`: the topic's head must
                equal it. `fail_if_events_match`: no matching event may exist at an offset greater than `after`
                (any offset when `after` is absent). At least one of the two is given.
              anyOf:
                - required: [expected_next_offset]
                - required: [fail_if_events_match]
              properties:
                expected_next_offset: { type: integer, format: int64, minimum: 0 }
                fail_if_events_match: { $ref: "#/components/schemas/EventFilter" }
                after: { type: integer, format: int64, minimum: -1 }
            EventFilter:
              type: object
              additionalProperties: false
              description: Matches events whose type is one of `types`, whose key is one of `keys`, and that carry every tag in `tags`; empty lists match all.
              properties:
                types: { type: array, items: { type: string } }
                keys: { type: array, items: { type: string } }
                tags: { type: array, items: { type: string } }
            AppendResult:
              type: object
              required: [first_offset, last_offset, events]
              properties:
                first_offset: { type: integer, format: int64 }
                last_offset: { type: integer, format: int64 }
                events:
                  type: array
                  items:
                    type: object
                    required: [id, offset, duplicate]
                    properties:
                      id: { type: string, format: uuid }
                      offset: { type: integer, format: int64 }
                      duplicate: { type: boolean, description: The topic already held this id; nothing was stored for it }
            Event:
              type: object
              required: [id, topic, offset, type, key, tags, data, metadata, timestamp]
              properties:
                id: { type: string, format: uuid }
                topic: { type: string }
                offset: { type: integer, format: int64 }
                type: { type: string }
                key: { type: [string, "null"] }
                tags: { type: array, items: { type: string } }
                data: { description: The JSON value as published }
                metadata:
                  type: object
                  additionalProperties: { type: string }
                timestamp: { type: string, format: date-time }
            EventPage:
              type: object
              required: [events, next_offset, head]
              properties:
                events:
                  type: array
                  items: { $ref: "#/components/schemas/Event" }
                next_offset: { type: integer, format: int64, description: "Where to continue reading: a page ends early (before limit) when its events pass the byte budget (--max-page-bytes)" }
                head: { type: integer, format: int64, description: The offset the next appended event will get }
            SubscribeRequest:
              type: object
              additionalProperties: false
              required: [callback_url]
              properties:
                callback_url:
                  type: string
                  format: uri
                  maxLength: 2048
                  description: |
                    An http or https URL without credentials or fragment. Link-local and cloud metadata addresses are
                    always refused; the server's allow and deny lists may refuse more.
                types:
                  type: array
                  maxItems: 100
                  items: { type: string }
                  description: Deliver only events of these types (all when absent or empty)
                key:
                  type: [string, "null"]
                  description: Deliver only events with this key
                batch_size:
                  type: integer
                  minimum: 1
                  maximum: 1000
                  default: 100
                  description: The most events in one callback
            Subscription:
              type: object
              required: [id, topic, callback_url, types, key, batch_size, from, created_at, state, cursor, position, lag, delivered, consecutive_failures, last_error]
              properties:
                id: { type: string, format: uuid }
                topic: { type: string }
                callback_url: { type: string }
                types: { type: array, items: { type: string } }
                key: { type: [string, "null"] }
                batch_size: { type: integer }
                from: { type: integer, format: int64 }
                created_at: { type: string, format: date-time }
                state:
                  type: string
                  enum: [active, retrying, failed, ended]
                  description: |
                    `retrying`: the last callback failed and is retried after a backoff. `failed`: the retry budget
                    was spent (or the topic was deleted). `ended`: the receiver answered 410 Gone. Failed and ended
                    subscriptions deliver nothing more and are removed after the retention period.
                cursor:
                  type: [integer, "null"]
                  format: int64
                  description: The last offset the receiver acknowledged; null before the first acknowledgement
                position:
                  type: integer
                  format: int64
                  description: The next offset delivery examines; subscribing again from here misses nothing
                lag: { type: integer, format: int64, description: Events in the topic at or after position }
                delivered: { type: integer, format: int64, description: Events acknowledged so far }
                consecutive_failures: { type: integer }
                last_error: { type: [string, "null"] }
            NewSubscription:
              allOf:
                - $ref: "#/components/schemas/Subscription"
                - type: object
                  required: [secret]
                  properties:
                    secret:
                      type: string
                      pattern: "^whsec_[A-Za-z0-9+/=]+$"
                      description: The Standard Webhooks signing secret; shown only in this answer
            CallbackBody:
              type: object
              required: [subscription_id, topic, events, next_offset]
              properties:
                subscription_id: { type: string, format: uuid }
                topic: { type: string }
                events:
                  type: array
                  minItems: 1
                  items: { $ref: "#/components/schemas/Event" }
                next_offset:
                  type: integer
                  format: int64
                  description: Where delivery continues after this batch; subscribe again from here to resume
            Health:
              type: object
              required: [status, version, uptime_seconds, topics]
              properties:
                status: { type: string, enum: [ok, degraded] }
                version: { type: string }
                uptime_seconds: { type: integer }
                topics:
                  type: array
                  items:
                    type: object
                    required: [name, adapter, state]
                    properties:
                      name: { type: string }
                      adapter: { type: string }
                      state:
                        type: string
                        enum: [ready, failed, unavailable]
                        description: >-
                          `failed`: the storage could not be opened or is damaged. `unavailable`: the storage (a
                          database server) does not answer right now; the topic recovers by itself when it does.
                      reason: { type: string }
                      projections:
                        type: array
                        description: Each projection's state; a failed projection does not make the status degraded
                        items:
                          type: object
                          required: [name, state]
                          properties:
                            name: { type: string }
                            state: { type: string, enum: [running, rebuilding, failed] }
        webhooks:
          subscriptionCallback:
            post:
              tags: [subscriptions]
              operationId: subscriptionCallback
              summary: A batch of events sent to a subscription's callback_url
              description: |
                Signed per the Standard Webhooks specification: `webhook-signature` is `v1,` and the base64
                HMAC-SHA256, keyed with the subscription's secret (the bytes after `whsec_`, base64-decoded), of
                `{webhook-id}.{webhook-timestamp}.{body}`. Answer 2xx to acknowledge the batch; any other answer,
                a redirect or a timeout is retried with backoff (honouring Retry-After on 429 and 503); 410 Gone
                ends the subscription.
              parameters:
                - name: webhook-id
                  in: header
                  required: true
                  description: Identifies the batch; the same on every retry of it
                  schema: { type: string }
                - name: webhook-timestamp
                  in: header
                  required: true
                  description: Seconds since 1970 when this attempt was sent
                  schema: { type: string }
                - name: webhook-signature
                  in: header
                  required: true
                  schema: { type: string }
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/CallbackBody" }
              responses:
                "200":
                  description: Acknowledged (any 2xx)
                "410":
                  description: Gone; the subscription ends
        """#
}

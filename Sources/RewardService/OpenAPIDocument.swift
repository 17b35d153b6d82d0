// GET /openapi.json: the OpenAPI 3.1 description of the real behaviour, error responses included.
// Built in code so the limits in force (items per request, body size) appear in the schemas.
// Scripts/schemathesis.sh checks the live server against it; keep the two in step.

enum OpenAPIDocument {
    /// `models`: the served models' names, the values a request's `model` may take.
    static func json(configuration: ServiceConfiguration, models: [String] = []) -> String {
        let maxItems = configuration.requests.maxItemsPerRequest
        let model = modelSchema(models)
        // Scoring routes declare the bearer scheme only when the server requires a key.
        let security = configuration.authorization == nil ? "" : #""security": [{"apiKey": []}],"#
        return """
            {
              "openapi": "3.1.0",
              "info": {
                "title": "reward-server",
                "version": "\(RewardService.version)",
                "description": "Scores (prompt, response) pairs with a BERT reward model on CPU. Score = the head's raw output × alpha (fp32). Request bodies are JSON: a request with no Content-Type is read as JSON; any other declared type gets 415 (with curl, pass -H 'Content-Type: application/json', since -d sends a form type). Unknown fields are ignored. Every response carries X-Request-Id. Errors other than those the HTTP layer answers before routing (400 bad framing, 408, 413, 414, 431, 503 over capacity) are counted per endpoint in /metrics; those are counted as reward_rejections_total reasons malformed, slow_client and server_busy."
              },
              "paths": {
                "/score": {
                  "post": {
                    "operationId": "score",
                    \(security)
                    "summary": "Score one pair, or a batch of pairs in input order",
                    "requestBody": {
                      "required": true,
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScoreRequest"}}}
                    },
                    "responses": {
                      "200": {
                        "description": "Scores",
                        "content": {"application/json": {"schema": {"oneOf": [
                          {"$ref": "#/components/schemas/ScoreResponse"},
                          {"$ref": "#/components/schemas/BatchScoreResponse"}
                        ]}}}
                      },
                      \(errorRefs)
                    }
                  }
                },
                "/rank": {
                  "post": {
                    "operationId": "rank",
                    \(security)
                    "summary": "Rank candidate responses to one prompt, highest score first, ties by lower index",
                    "requestBody": {
                      "required": true,
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RankRequest"}}}
                    },
                    "responses": {
                      "200": {
                        "description": "The ranking",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RankResponse"}}}
                      },
                      \(errorRefs)
                    }
                  }
                },
                "/health": {
                  "get": {
                    "operationId": "health",
                    "summary": "Liveness: answers whenever the process can; never waits on the engine",
                    "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}}}
                  }
                },
                "/ready": {
                  "get": {
                    "operationId": "ready",
                    "summary": "Readiness: 200 once the model is loaded and warmed up, 503 before and while draining",
                    "responses": {
                      "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                      "503": {"$ref": "#/components/responses/Unavailable"}
                    }
                  }
                },
                "/metrics": {
                  "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus text exposition",
                    "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
                  }
                },
                "/info": {
                  "get": {
                    "operationId": "info",
                    "summary": "The model, the limits and batching settings in force, the version",
                    "responses": {"200": {"description": "Info", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Info"}}}}}
                  }
                },
                "/openapi.json": {
                  "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}}
                  }
                }\(CompatOpenAPI.paths(configuration))
              },
              "components": {
                "securitySchemes": {
                  "apiKey": {"type": "http", "scheme": "bearer", "description": "The key given by --api-key / REWARD_SERVER_API_KEY"}
                },
                "schemas": {
                  \(schemas(maxItems: maxItems, model: model))\(CompatOpenAPI.schemas(configuration, alpha: alphaSchema, model: model))
                },
                "headers": {
                  "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "string", "pattern": "^[0-9]+$"}}
                },
                "responses": {
                  \(responses(configuration))
                }
              }
            }
            """
    }

    private static let errorRefs = """
        "400": {"$ref": "#/components/responses/BadRequest"},
                      "401": {"$ref": "#/components/responses/Unauthorized"},
                      "404": {"$ref": "#/components/responses/ModelNotServed"},
                      "413": {"$ref": "#/components/responses/TooLarge"},
                      "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                      "422": {"$ref": "#/components/responses/Unprocessable"},
                      "429": {"$ref": "#/components/responses/Overloaded"},
                      "500": {"$ref": "#/components/responses/Internal"},
                      "503": {"$ref": "#/components/responses/Unavailable"},
                      "504": {"$ref": "#/components/responses/DeadlineExceeded"}
        """

    private static let alphaSchema = """
        {"type": ["number", "null"], "minimum": -1e30, "maximum": 1e30, \
        "description": "Multiplier on the raw score, applied in fp32 after the forward pass (default, also for null: the server's --default-alpha). Must be finite and within ±1e30; JSON numbers that overflow a double (1e999) are infinite and rejected."}
        """

    private static let truncateSchema = """
        {"type": ["boolean", "null"], "description": "Truncate over-long pairs (longest_first) to the model's max input length (default, also for null: the server's setting, on unless --no-truncate). With false, an over-long pair is a 422 naming its index and token count."}
        """

    /// A request's `model`: a served model's name, or absent (null) for the default.
    static func modelSchema(_ models: [String]) -> String {
        let names = models.map { "\"\($0)\"" } + ["null"]
        let allowed = models.isEmpty ? "" : #", "enum": [\#(names.joined(separator: ", "))]"#
        return #"{"type": ["string", "null"]\#(allowed), "description": "A served model's name (GET /v1/models); absent or null: the default (the first --model); another name: 404"}"#
    }

    private static func schemas(maxItems: Int, model: String) -> String {
        """
        "Pair": {
                    "type": "object",
                    "required": ["prompt", "response"],
                    "properties": {"prompt": {"type": "string"}, "response": {"type": "string"}}
                  },
                  "ScoreRequest": {
                    "oneOf": [
                      {
                        "type": "object",
                        "title": "SinglePair",
                        "required": ["prompt", "response"],
                        "properties": {
                          "prompt": {"type": "string"},
                          "response": {"type": "string"},
                          "pairs": {"type": "null", "description": "Absent (or null) in this form"},
                          "alpha": \(alphaSchema),
                          "truncate": \(truncateSchema),
                          "model": \(model)
                        }
                      },
                      {
                        "type": "object",
                        "title": "PairBatch",
                        "required": ["pairs"],
                        "properties": {
                          "prompt": {"type": "null", "description": "Absent (or null) in this form"},
                          "response": {"type": "null", "description": "Absent (or null) in this form"},
                          "pairs": {"type": "array", "minItems": 1, "maxItems": \(maxItems), "items": {"$ref": "#/components/schemas/Pair"}},
                          "alpha": \(alphaSchema),
                          "truncate": \(truncateSchema),
                          "model": \(model)
                        }
                      }
                    ]
                  },
                  "RankRequest": {
                    "type": "object",
                    "required": ["prompt", "responses"],
                    "properties": {
                      "prompt": {"type": "string"},
                      "responses": {"type": "array", "minItems": 1, "maxItems": \(maxItems), "items": {"type": "string"}},
                      "alpha": \(alphaSchema),
                      "top_k": {"type": ["integer", "null"], "minimum": 1, "description": "Keep the first k entries of the ranking (null: all)"},
                      "return_text": {"type": ["boolean", "null"], "description": "Include each response's text (default false)"},
                      "truncate": \(truncateSchema),
                      "model": \(model)
                    }
                  },
                  "ScoreResponse": {"type": "object", "required": ["score"], "properties": {"score": {"type": "number"}}},
                  "BatchScoreResponse": {"type": "object", "required": ["scores"], "properties": {"scores": {"type": "array", "items": {"type": "number"}}}},
                  "RankResponse": {
                    "type": "object",
                    "required": ["ranking"],
                    "properties": {"ranking": {"type": "array", "items": {
                      "type": "object",
                      "required": ["index", "score"],
                      "properties": {"index": {"type": "integer", "minimum": 0}, "score": {"type": "number"}, "response": {"type": "string"}}
                    }}}
                  },
                  "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
                  "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                      "type": "object",
                      "required": ["type", "message"],
                      "properties": {"type": {"type": "string"}, "message": {"type": "string"}}
                    }}
                  },
                  "Info": {
                    "type": "object",
                    "required": ["version", "model", "limits", "batching"],
                    "properties": {
                      "version": {"type": "string"},
                      "model": {"type": "object", "required": ["path", "layout", "hidden_size", "layers", "max_input_length"]},
                      "models": {"type": "array", "items": {"type": "object", "required": ["name", "default", "model"]}},
                      "limits": {"type": "object", "required": ["max_items_per_request", "max_body_bytes", "request_timeout_seconds", "default_alpha", "default_truncate"], "properties": {"max_request_tokens": {"type": "integer", "minimum": 1}}},
                      "batching": {"type": "object", "required": ["max_batch_tokens", "max_batch_pairs", "max_batch_delay_seconds", "max_queued_pairs", "max_queued_tokens"]}
                    }
                  }
        """
    }

    private static func responses(_ configuration: ServiceConfiguration) -> String {
        let maxBody = configuration.http.limits.maxBodyBytes
        let maxRequestTokens = configuration.requests.maxRequestTokens.map { "\($0)" } ?? "max_request_tokens"
        return """
            "ModelNotServed": {"description": "The request's model is not served (model_not_found); the message lists the served models", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "Unauthorized": {"description": "The server requires an API key and the request lacks it or has another (unauthorized)", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "BadRequest": {"description": "The body is not valid JSON (type invalid_json), or the HTTP framing is bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "TooLarge": {"description": "The body is over \(maxBody) bytes (payload_too_large), or the request's pairs exceed the queue's bounds on their own or hold more than \(maxRequestTokens) tokens, what the engine computes within the request timeout (request_too_large; max_request_tokens in GET /info)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "UnsupportedMediaType": {"description": "A Content-Type other than application/json or */*+json, or a Content-Encoding other than identity (unsupported_media_type)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "Unprocessable": {"description": "Valid JSON that breaks the rules (validation_error): a missing or wrongly typed field, a non-finite alpha or one beyond ±1e30, an empty list or one over \(configuration.requests.maxItemsPerRequest) items, top_k below 1, both prompt/response and pairs, an over-long pair with truncate false, a score that overflows fp32", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "Overloaded": {"description": "The queue is full, or the engine cannot compute the request before its deadline beside the work already admitted (both overloaded, refused before any work; the message gives the engine time the request needs and the time free); nothing already admitted was dropped. Retry-After is how long to wait", "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "Internal": {"description": "An internal failure (internal_error); the message names the request id to look up in the server log", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "Unavailable": {"description": "Not ready yet (not_ready), shutting down (shutting_down), or the server holds too many request bodies right now (service_unavailable)", "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                      "DeadlineExceeded": {"description": "The request was not computed within the request timeout (deadline_exceeded)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            """
    }
}

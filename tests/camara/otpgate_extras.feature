Feature: otpgate's own checks of one-time-password-sms 1.1.1
  What the r3.2 scenarios leave open, on the same steps and with every answer validated against
  the vendored definition: the SMS text, codes used up or superseded, ids otpgate never issued,
  bodies and headers the schema refuses, keys that may not call, and that hostile input changes
  nothing.

  Background:
    Given an environment at "apiRoot"
    And the resource "/one-time-password-sms/v1/send-code"
    And the header "Content-Type" is set to "application/json"
    And the header "Authorization" is set to a valid access token
    And the header "x-correlator" complies with the schema at "#/components/schemas/XCorrelator"
    And the request body is set by default to a request body compliant with the schema

  @otpgate_sms_text
  Scenario: The SMS carries the caller's message with the code in place of {{code}}
    Given the request body property "$.message" is set to "Dein Code: {{code}}. Gilt kurz. {{code}}"
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 200
    And the SMS sent is the message with one code in place of every {{code}}

  @otpgate_no_correlator
  Scenario: Without x-correlator the answer carries one the server made
    Given the header "x-correlator" is removed
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 200
    And the response header "x-correlator" is not empty

  @otpgate_camara_correlator
  Scenario: An x-correlator of the spec's pattern that the native API would replace is echoed
    Given the header "x-correlator" is set to "order:4711;shop/{eu}<a>.b_c-d"
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 200
    And the response header "x-correlator" has same value as the request header "x-correlator"

  @otpgate_bad_correlator
  Scenario Outline: An x-correlator outside the spec's pattern is refused
    Given the header "x-correlator" is set to <value>
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 400
    And the response property "$.code" is "INVALID_ARGUMENT"
    And the response property "$.message" mentions "x-correlator"
    And the response header "x-correlator" is not the request's

    Examples:
      | value                  |
      | "has a space"          |
      | "quote'd"              |
      | 257 characters         |

  @otpgate_bad_body
  Scenario Outline: A body the schema refuses gets the spec's 400 naming the problem
    Given the raw request body <body>
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 400
    And the response property "$.code" is "INVALID_ARGUMENT"
    And the response property "$.message" mentions "<named>"

    Examples:
      | body                                                                        | named        |
      | {"phoneNumber": 4915112345678, "message": "{{code}} is it"}                 | phoneNumber  |
      | {"phoneNumber": "+4915112345678", "message": ["{{code}}"]}                  | message      |
      | {"phoneNumber": "+4915112345678", "message": "{{code}} is it", "brand": "x"} | 'brand'      |
      | {"phoneNumber": "+4915112345678", "message": "{{code}} is it", "message": "{{code}}"} | twice |
      | {"phoneNumber": "+4915112345678", "message":                                | not valid JSON |
      | ["+4915112345678", "{{code}} is it"]                                        | JSON object  |
      | {"phoneNumber": "+0015112345678", "message": "{{code}} is it"}              | phoneNumber  |
      | {"phoneNumber": "+49151", "message": "{{code}} is it"}                      | phoneNumber  |
      | {"phoneNumber": "+4915112345678", "message": "{{ code }} is it"}            | {{code}}     |

  @otpgate_wrong_content_type
  Scenario: A body that is not declared JSON gets the spec's 400
    Given the header "Content-Type" is set to "text/plain"
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 400
    And the response property "$.code" is "INVALID_ARGUMENT"

  @otpgate_keys
  Scenario Outline: Keys that may not send codes for one brand get 403
    Given the header "Authorization" is set to the key "<key>"
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 403
    And the response property "$.code" is "PERMISSION_DENIED"
    And the response property "$.message" mentions "<why>"
    And no SMS was sent to the request's phone number

    Examples:
      | key       | why            |
      | all_shop  | all-brands (*) |
      | psd2_shop | PSD2           |
      | manager   | shop role      |
      | support   | shop role      |

  @otpgate_used_up
  Scenario: After the attempts are used up even the right code answers VERIFICATION_FAILED
    Given the resource "/one-time-password-sms/v1/validate-code"
    And the request body is set by default to a request body compliant with the schema
    And an authenticationId has been retrieved from a send-code request
    And (config_var:"max_try"-1) calls with the request body property "$.code" set to a value distinct from the value received in the SMS were performed
    And one more call with a code distinct from the value received in the SMS answered "ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED"
    And the request body property "$.code" is set to the value received in the SMS
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 400
    And the response property "$.code" is "ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED"

  @otpgate_locked_validate
  Scenario: A validate-code for a locked phone number is answered 429 until the lock ends
    Given the resource "/one-time-password-sms/v1/validate-code"
    And the request body is set by default to a request body compliant with the schema
    And the phone number of a send-code was locked by wrong codes
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 429
    And the response property "$.code" is "TOO_MANY_REQUESTS"
    And the response header "Retry-After" is a number of seconds

  @otpgate_unknown_ids
  Scenario Outline: authenticationIds otpgate never issued to this brand are not found
    Given the resource "/one-time-password-sms/v1/validate-code"
    And the request body is set by default to a request body compliant with the schema
    And the request body property "$.authenticationId" is set to <id>
    When the HTTP "POST" request is sent
    Then the response property "$.status" is <status>
    And the response property "$.code" is "<code>"

    Examples:
      | id                                       | status | code             |
      | "not-an-id"                              | 404    | NOT_FOUND        |
      | "ea0840f3-3663-4149-bd10-c7c6b8912105"   | 404    | NOT_FOUND        |
      | the id of another brand's send-code      | 404    | NOT_FOUND        |
      | 37 characters                            | 400    | INVALID_ARGUMENT |

  @otpgate_newer_wins
  Scenario: Of two send-codes to one number the newer one's code is the one that validates
    Given the resource "/one-time-password-sms/v1/validate-code"
    And the request body is set by default to a request body compliant with the schema
    And Two send-code request has been sequentially triggered for the same phoneNumber
    And request body property "$.authenticationId" is set to the value got for the second send-code request
    And the request body property "$.code" is set to the received in the SMS for this second request
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 204

  @otpgate_race
  Scenario: Two send-codes to one number at once leave exactly one valid code
    Given two send-code requests for the same phone number were sent at once
    Then exactly one of their codes validates and the other answers "ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED"

  @otpgate_native_independent
  Scenario: A send-code does not supersede a native verification of the same number
    Given a native verification was started for the request's phone number
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 200
    And the native verification still accepts its code

  @otpgate_hostile
  Scenario: Hostile requests change nothing: the number keeps its whole send limit
    Given hostile send-code and validate-code requests for the request's phone number were refused
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 200
    And the code of that SMS validates
    And the phone number admits one more send-code and then answers "ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED"

  @otpgate_log_hygiene
  Scenario: otpgate's log holds no message text and no unmasked phone number
    Given the request body property "$.message" is set to "Log check {{code}} zebra-quartz"
    When the HTTP "POST" request is sent
    Then the response property "$.status" is 200
    And otpgate's log holds no message text and no phone number this run sent to

package main

import "github.com/clubcrm/clubcrm/domain"

// Codes the HTTP API returns for refusals of its own, before any domain rule
// is asked (transport, authentication, the phone system's set-up). A domain
// refusal carries its domain.Code instead. Like those, the strings are part
// of the API's contract and do not change.
const (
	codeNotFound           domain.Code = "not_found"            // no such endpoint or object
	codeInternal           domain.Code = "internal"             // the request could not be handled; retry
	codeInvalid            domain.Code = "invalid"              // a domain validation error without a code of its own
	codeAPIKeyRequired     domain.Code = "api_key_required"     // no API key sent
	codeAPIKeyInvalid      domain.Code = "api_key_invalid"      // the key is unknown or revoked
	codeRateLimited        domain.Code = "rate_limited"         // too many requests with this key
	codeBodyTooLarge       domain.Code = "body_too_large"       // the body exceeds maxAPIBody
	codeBodyUnreadable     domain.Code = "body_unreadable"      // the body could not be read
	codeJSONRequired       domain.Code = "json_required"        // the endpoint takes application/json
	codeFormRequired       domain.Code = "form_required"        // the endpoint takes a form body
	codeSignatureInvalid   domain.Code = "signature_invalid"    // a call notification's signature does not match
	codeLineUnknown        domain.Code = "line_unknown"         // the call's line is not in the club's plan
	codePhoneNotConfigured domain.Code = "phone_not_configured" // the club's plan has no phone section
	codeProviderMismatch   domain.Code = "provider_mismatch"    // the club uses another phone system
	codeIPNotAllowed       domain.Code = "ip_not_allowed"       // the request is not from the provider's addresses
	codePhoneSecretMissing domain.Code = "phone_secret_missing" // no signing secret stored for the club's provider
	codeSecretsKeyMissing  domain.Code = "secrets_key_missing"  // SECRETS_KEY not set: a sealed secret cannot be opened
)

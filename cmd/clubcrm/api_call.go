package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// call takes a phone system's webhook: POST /api/v1/calls/{provider}. On
// top of the club's key, the provider's own scheme is checked as the plan's
// phone: section configures it (Zadarma's signature, an IP allowlist). A
// notification that is not a finished call is answered 200 and stored
// nowhere; a call is stored once per provider call id.
func (h *api) call(w http.ResponseWriter, r *http.Request, c postgres.APICaller) {
	provider := r.PathValue("provider")
	if _, ok := h.phoneCheck(w, r, c, provider); !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if provider == inbound.ProviderZadarma {
		key, ok := h.phoneSecret(w, r, c.ClubID, provider)
		if !ok {
			return
		}
		if !inbound.ZadarmaSignatureOK(body, r.Header.Get("Signature"), key) {
			apiError(w, http.StatusUnauthorized, codeSignatureInvalid, "the Signature header does not match the notification")
			return
		}
	}
	loc, err := domain.LoadLocation(c.TimeZone)
	if err != nil {
		h.internal(w, r, "club zone", err)
		return
	}
	call, err := inbound.ParseCall(provider, r.Header.Get("Content-Type"), body, c.PhoneCode, loc)
	if errors.Is(err, inbound.ErrSkip) {
		apiJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return
	}
	if err != nil {
		invalid(w, err)
		return
	}
	if call.Answered && call.Line != "" {
		if _, err := h.db.PhoneLineStaff(r.Context(), c.ClubID, call.Line); errors.Is(err, domain.ErrNotFound) {
			apiError(w, http.StatusUnprocessableEntity, codeLineUnknown, "line "+call.Line+" is not among the phone lines of the club's plan")
			return
		} else if err != nil {
			h.internal(w, r, "phone line", err)
			return
		}
	}
	in := postgres.InboxAddInput{ClubID: c.ClubID, APIKeyID: c.KeyID, Kind: inbound.KindCall,
		IdemKey: call.Provider + ":" + call.ID, Payload: call}
	if provider != inbound.ProviderBinotel {
		h.store(w, r, in)
		return
	}
	// Binotel takes a delivery as done only when the answer is exactly
	// {"status":"success"}, and retries it otherwise.
	if _, _, ok := h.add(w, r, in); ok {
		apiJSON(w, http.StatusOK, map[string]string{"status": "success"})
	}
}

// callCheck answers a provider's URL check: Zadarma's GET ?zd_echo=X must
// be answered with X.
func (h *api) callCheck(w http.ResponseWriter, r *http.Request, c postgres.APICaller) {
	if _, ok := h.phoneCheck(w, r, c, r.PathValue("provider")); !ok {
		return
	}
	if echo := r.URL.Query().Get("zd_echo"); echo != "" && len(echo) <= 100 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(echo))
		return
	}
	apiJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// phoneCheck refuses a webhook for a club without a phone system, from
// another provider than the plan names (the generic one is always
// accepted), or from an address outside the plan's allowlist.
func (h *api) phoneCheck(w http.ResponseWriter, r *http.Request, c postgres.APICaller, provider string) (postgres.PhoneSettings, bool) {
	set, err := h.db.PhoneSettingsGet(r.Context(), c.ClubID)
	if errors.Is(err, domain.ErrNotFound) {
		apiError(w, http.StatusUnprocessableEntity, codePhoneNotConfigured, "the club's plan has no phone: section")
		return set, false
	}
	if err != nil {
		h.internal(w, r, "phone settings", err)
		return set, false
	}
	if provider != inbound.ProviderGeneric && provider != set.Provider {
		apiError(w, http.StatusUnprocessableEntity, codeProviderMismatch, "the club's phone system is "+set.Provider+", not "+provider)
		return set, false
	}
	if len(set.AllowIPs) > 0 && !ipAllowed(r.RemoteAddr, set.AllowIPs) {
		h.log.WarnContext(r.Context(), "phone webhook from an address outside the allowlist", slog.Int64("club_id", c.ClubID), slog.String("remote", r.RemoteAddr))
		apiError(w, http.StatusForbidden, codeIPNotAllowed, "requests for this club's phone system must come from its provider's addresses")
		return set, false
	}
	return set, true
}

// ipAllowed reports whether the peer address is in the list of addresses
// and prefixes. The peer is the TCP peer: behind a proxy, list the proxy or
// have it check the provider's addresses.
func ipAllowed(remote string, allow []string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, a := range allow {
		if p, err := netip.ParsePrefix(a); err == nil && p.Contains(ip) {
			return true
		}
		if x, err := netip.ParseAddr(a); err == nil && x.Unmap() == ip {
			return true
		}
	}
	return false
}

// phoneSecret opens the club's signing secret for provider, stored sealed
// by `clubcrm phone secret set`. None stored (or one set for another
// provider) and no SECRETS_KEY are refusals with their own codes; the
// provider retries, so nothing is lost while the operator fixes it. The
// secret is never logged.
func (h *api) phoneSecret(w http.ResponseWriter, r *http.Request, clubID int64, provider string) (string, bool) {
	s, err := h.db.PhoneSecretGet(r.Context(), clubID)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && s.Provider != provider) {
		h.log.WarnContext(r.Context(), "phone webhook refused: no signing secret stored", slog.Int64("club_id", clubID), slog.String("provider", provider))
		apiError(w, http.StatusUnprocessableEntity, codePhoneSecretMissing, "no signing secret is stored for the club's "+provider+"; the operator stores it with `clubcrm phone secret set --club ID --provider "+provider+"`")
		return "", false
	}
	if err != nil {
		h.internal(w, r, "phone secret", err)
		return "", false
	}
	if h.box == nil {
		h.log.ErrorContext(r.Context(), "phone webhook refused: SECRETS_KEY is not set, so the club's phone secret cannot be opened", slog.Int64("club_id", clubID))
		apiError(w, http.StatusServiceUnavailable, codeSecretsKeyMissing, "the service cannot open the club's phone secret (its SECRETS_KEY is not set); retry later")
		return "", false
	}
	plain, err := h.box.Open(s.Sealed, postgres.PhoneSecretAAD(clubID, provider))
	if err != nil {
		// Open's errors say nothing of the plaintext.
		h.internal(w, r, "open the phone secret (SECRETS_KEY must be the key it was set with)", err)
		return "", false
	}
	return string(plain), true
}

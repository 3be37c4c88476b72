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
	set, ok := h.phoneCheck(w, r, c, provider)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if provider == inbound.ProviderZadarma && !inbound.ZadarmaSignatureOK(body, r.Header.Get("Signature"), set.Secret) {
		apiError(w, http.StatusUnauthorized, codeSignatureInvalid, "the Signature header does not match the notification")
		return
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

package web

import (
	"fmt"
	"net/http"
	"strings"

	"portcullis/internal/reports"
	"portcullis/internal/store"
)

type sharingView struct {
	Collections   []store.TAXIICollection
	Partners      []store.Partner
	Subscriptions []store.Subscription
	NewPartner    *store.Partner
	Token         string
	DiscoveryURL  string
}

func (h *Handler) sharingView(r *http.Request, c *call) (*sharingView, error) {
	if h.cfg.Sharing == nil {
		return nil, reports.Errorf(store.ErrNotFound, "TAXII sharing is not running on this server")
	}
	v := &sharingView{DiscoveryURL: h.cfg.PublicURL + "/taxii2/"}
	var err error
	if v.Collections, err = h.cfg.Sharing.Collections(r.Context()); err != nil {
		return nil, err
	}
	if v.Partners, err = h.cfg.Sharing.Partners(r.Context()); err != nil {
		return nil, err
	}
	if v.Subscriptions, err = h.svc.Subscriptions(r.Context(), c.user); err != nil {
		return nil, err
	}
	return v, nil
}

func (h *Handler) sharingPage(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := h.sharingView(r, c)
	if err != nil {
		return err
	}
	h.render(w, r, c, "sharing", pageT("Sharing with partners", "sharing", v))
	return nil
}

func (h *Handler) sharingPartnerAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	if h.cfg.Sharing == nil {
		return reports.Errorf(store.ErrNotFound, "TAXII sharing is not running on this server")
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		return reports.Errorf(store.ErrInvalid, "give the partner organisation's name")
	}
	p, tok, err := h.cfg.Sharing.AddPartner(r.Context(), name, r.PostFormValue("max_tlp"))
	if err != nil {
		return reports.Errorf(store.ErrInvalid, "%v", err)
	}
	if r.PostFormValue("write_inbox") == "" {
		// The inbox is writable by default; an admin can keep a
		// read-only partner out of it.
		for _, col := range mustCollections(h, r) {
			if col.Kind == store.CollectionInbox {
				_ = h.cfg.Sharing.Grant(r.Context(), p.ID, col.ID, false, false)
			}
		}
	}
	h.svc.Audit(r.Context(), c.user, "taxii.partner_add", fmt.Sprintf("partner:%d", p.ID), reports.Detail("name", p.Name, "max_tlp", p.MaxTLP), c.ip)
	v, err := h.sharingView(r, c)
	if err != nil {
		return err
	}
	v.NewPartner, v.Token = p, tok
	h.render(w, r, c, "sharing", pageT("Sharing with partners", "sharing", v))
	return nil
}

func mustCollections(h *Handler, r *http.Request) []store.TAXIICollection {
	cs, _ := h.cfg.Sharing.Collections(r.Context())
	return cs
}

func (h *Handler) sharingSubscribe(w http.ResponseWriter, r *http.Request, c *call) error {
	sub := &store.Subscription{Direction: "pull", Partner: strings.TrimSpace(r.PostFormValue("partner")),
		ObjectsURL: strings.TrimSpace(r.PostFormValue("url")), Token: strings.TrimSpace(r.PostFormValue("token")),
		Username: strings.TrimSpace(r.PostFormValue("user")), Password: r.PostFormValue("password")}
	if err := h.svc.Subscribe(r.Context(), c.user, sub, c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/admin/sharing", "subscribed")
}

package taxii

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"portcullis/internal/auth"
	"portcullis/internal/store"
)

// Administration, for the CLI and the admin pages.

// AddPartner registers a partner organisation that receives objects up to
// maxTLP (clear, green, amber or amber+strict) and returns it with its
// bearer token. The token is shown this once: only its SHA-256 is kept.
// The partner reads and writes as the collections' defaults say until
// Grant says otherwise.
func (s *Server) AddPartner(ctx context.Context, name, maxTLP string) (*store.Partner, string, error) {
	tok := auth.NewToken()
	p := &store.Partner{Name: strings.TrimSpace(name), MaxTLP: normalLevel(maxTLP), BearerHash: auth.HashToken(tok)}
	if err := s.db.CreatePartner(ctx, p); err != nil {
		return nil, "", fmt.Errorf("taxii: add partner: %w", err)
	}
	s.log.Info("taxii partner added", "partner", p.Name, "partner_id", p.ID, "max_tlp", p.MaxTLP)
	return p, tok, nil
}

// normalLevel folds "TLP:AMBER", "Amber" and the TLP 1.0 "white" into
// TLP 2.0 level names; anything else is returned as it is, for the store
// to refuse.
func normalLevel(s string) string {
	l := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "tlp:")
	if l == "white" {
		return "clear"
	}
	return l
}

// NewBearerToken replaces a partner's bearer token and returns the new
// one, shown this once; the old one stops working at once.
func (s *Server) NewBearerToken(ctx context.Context, partnerID int64) (string, error) {
	p, err := s.db.GetPartner(ctx, partnerID)
	if err != nil {
		return "", fmt.Errorf("taxii: new bearer token: %w", err)
	}
	tok := auth.NewToken()
	p.BearerHash = auth.HashToken(tok)
	if err := s.db.UpdatePartner(ctx, p); err != nil {
		return "", fmt.Errorf("taxii: new bearer token: %w", err)
	}
	s.log.Info("taxii partner bearer token replaced", "partner", p.Name, "partner_id", p.ID)
	return tok, nil
}

// SetBasic gives a partner HTTP Basic credentials (the password is kept
// as an argon2id hash), replacing any it had. An empty user removes them.
// A user name another partner has is store.ErrConflict.
func (s *Server) SetBasic(ctx context.Context, partnerID int64, user, password string) error {
	p, err := s.db.GetPartner(ctx, partnerID)
	if err != nil {
		return fmt.Errorf("taxii: set basic credentials: %w", err)
	}
	p.BasicUser, p.BasicHash = "", ""
	if user != "" {
		if strings.ContainsRune(user, ':') {
			return fmt.Errorf("taxii: set basic credentials: %w", errors.Join(store.ErrInvalid, errors.New("a Basic user name cannot contain ':'")))
		}
		if err := auth.CheckPasswordPolicy(password, user, p.Name); err != nil {
			return fmt.Errorf("taxii: set basic credentials: %w", errors.Join(store.ErrInvalid, err))
		}
		h, err := auth.HashPassword(password, s.cfg.Password)
		if err != nil {
			return fmt.Errorf("taxii: set basic credentials: %w", err)
		}
		p.BasicUser, p.BasicHash = user, h
	}
	if err := s.db.UpdatePartner(ctx, p); err != nil {
		return fmt.Errorf("taxii: set basic credentials: %w", err)
	}
	s.log.Info("taxii partner basic credentials set", "partner", p.Name, "partner_id", p.ID, "removed", user == "")
	return nil
}

// SetPartnerDisabled stops (or lets again) a partner from signing in.
func (s *Server) SetPartnerDisabled(ctx context.Context, partnerID int64, disabled bool) error {
	p, err := s.db.GetPartner(ctx, partnerID)
	if err != nil {
		return fmt.Errorf("taxii: disable partner: %w", err)
	}
	p.Disabled = disabled
	if err := s.db.UpdatePartner(ctx, p); err != nil {
		return fmt.Errorf("taxii: disable partner: %w", err)
	}
	s.log.Info("taxii partner disabled", "partner", p.Name, "partner_id", p.ID, "disabled", disabled)
	return nil
}

// Grant sets what a partner may do with a collection, in place of the
// collection's defaults. A partner that may neither read nor write a
// collection does not see it at all.
func (s *Server) Grant(ctx context.Context, partnerID int64, collectionID string, read, write bool) error {
	err := s.db.SetPartnerRight(ctx, store.PartnerRight{PartnerID: partnerID, CollectionID: collectionID, CanRead: read, CanWrite: write})
	if err != nil {
		return fmt.Errorf("taxii: grant: %w", err)
	}
	s.log.Info("taxii partner right set", "partner_id", partnerID, "collection", collectionID, "read", read, "write", write)
	return nil
}

// Partners returns every partner, by name.
func (s *Server) Partners(ctx context.Context) ([]store.Partner, error) {
	ps, err := s.db.ListPartners(ctx)
	if err != nil {
		return nil, fmt.Errorf("taxii: partners: %w", err)
	}
	return ps, nil
}

// Collections returns every collection, oldest first.
func (s *Server) Collections(ctx context.Context) ([]store.TAXIICollection, error) {
	cs, err := s.db.ListTAXIICollections(ctx)
	if err != nil {
		return nil, fmt.Errorf("taxii: collections: %w", err)
	}
	return cs, nil
}

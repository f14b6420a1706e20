// Package mailtest is an SMTP sink for tests and development: a real SMTP
// server (emersion/go-smtp) on 127.0.0.1 that keeps every message it
// receives so that tests can read verification and reset links.
package mailtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one delivered message.
type Received struct {
	From    string    `json:"from"`
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// Sink is the SMTP server and its mailbox.
type Sink struct {
	mu       sync.Mutex
	messages []Received
	notify   chan struct{}
	server   *smtp.Server
	ln       net.Listener
}

// Start listens on addr ("127.0.0.1:0" for any free port).
func Start(addr string) (*Sink, error) {
	s := &Sink{notify: make(chan struct{})}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 1 << 20
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.server, s.ln = srv, ln
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Sink) Close() error { return s.server.Close() }

// Messages returns a copy of the mailbox.
func (s *Sink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// WaitFor returns the first message to addr whose subject contains
// subject, waiting up to timeout.
func (s *Sink) WaitFor(ctx context.Context, addr, subject string) (Received, error) {
	for {
		s.mu.Lock()
		for i := len(s.messages) - 1; i >= 0; i-- {
			m := s.messages[i]
			for _, to := range m.To {
				if strings.EqualFold(to, addr) && strings.Contains(m.Subject, subject) {
					s.mu.Unlock()
					return m, nil
				}
			}
		}
		wait := s.notify
		s.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return Received{}, errors.New("no e-mail to " + addr + " about " + subject)
		}
	}
}

func (s *Sink) add(m Received) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

type backend struct{ sink *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: b.sink}, nil }

type session struct {
	sink *Sink
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(msg.Body)
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	s.sink.add(Received{From: s.from, To: s.to, Subject: subject, Text: strings.ReplaceAll(string(body), "\r\n", "\n"), At: time.Now()})
	return nil
}
func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

package review

import (
	"context"
	"math"
	"sort"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/qa/metric"
)

// Agreement between annotators of a question: each answer is scored
// against the other answers of the same question (the best match, as the
// SQuAD human baseline does), with the official SQuAD measures and
// French normalisation (lower case, accents kept, punctuation and the
// articles le, la, les, l', un, une, des, du, de, d' removed).

// answerScore is one answer's agreement with the others.
type answerScore struct {
	AuthorID int64
	EM, F1   float64
}

// scoreQuestion scores every answer of a question against the others;
// questions with a single answer have no agreement.
func scoreQuestion(answers []annotate.Answer) []answerScore {
	if len(answers) < 2 {
		return nil
	}
	out := make([]answerScore, len(answers))
	for i, a := range answers {
		others := make([]string, 0, len(answers)-1)
		for j, b := range answers {
			if j != i {
				others = append(others, b.Text)
			}
		}
		out[i] = answerScore{AuthorID: a.AuthorID,
			EM: metric.MaxOverGold(metric.ExactMatch, a.Text, others, metric.NormalizeFrench),
			F1: metric.MaxOverGold(metric.F1, a.Text, others, metric.NormalizeFrench)}
	}
	return out
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// OnAnswered implements annotate.AnswerHook: it stores the question's
// agreement (mean F1 of its answers against each other).
func (s *Service) OnAnswered(tx *gorm.DB, questionID int64) error {
	var answers []annotate.Answer
	if err := tx.Where("question_id = ? AND state <> ?", questionID, annotate.StateRejected).Order("id").Find(&answers).Error; err != nil {
		return err
	}
	scores := scoreQuestion(answers)
	if scores == nil {
		return nil
	}
	f1s := make([]float64, len(scores))
	for i, sc := range scores {
		f1s[i] = sc.F1
	}
	return tx.Table("questions").Where("id = ?", questionID).Update("agreement", mean(f1s)).Error
}

// Agreement is a campaign's inter-annotator agreement.
type Agreement struct {
	Questions    int                    `json:"questions" required:"true" description:"questions with at least two answers"`
	Answers      int                    `json:"answers" required:"true"`
	ExactMatch   float64                `json:"exact_match" required:"true" description:"mean over questions, 0 to 100"`
	F1           float64                `json:"f1" required:"true" description:"mean over questions, 0 to 100"`
	Distribution []Bin                  `json:"distribution" required:"true" description:"questions by F1, in tenths"`
	Worst        []QuestionAgreement    `json:"worst" required:"true"`
	Contributors []ContributorAgreement `json:"contributors" required:"true"`
}

// Bin counts questions whose F1 falls in [From, To).
type Bin struct {
	From  float64 `json:"from" required:"true"`
	To    float64 `json:"to" required:"true"`
	Count int     `json:"count" required:"true"`
}

// QuestionAgreement is one question's agreement.
type QuestionAgreement struct {
	QuestionID int64    `json:"question_id" required:"true"`
	Question   string   `json:"question" required:"true"`
	Answers    []string `json:"answers" required:"true"`
	ExactMatch float64  `json:"exact_match" required:"true"`
	F1         float64  `json:"f1" required:"true"`
}

// ContributorAgreement is how a contributor's answers agree with others'.
type ContributorAgreement struct {
	UserID     int64   `json:"user_id" required:"true"`
	Pseudonym  string  `json:"pseudonym" required:"true"`
	Answers    int     `json:"answers" required:"true"`
	ExactMatch float64 `json:"exact_match" required:"true"`
	F1         float64 `json:"f1" required:"true"`
}

// CampaignAgreement computes a campaign's agreement from every question
// with several (non-rejected) answers; worst lists the n questions that
// agree least, to review first.
func (s *Service) CampaignAgreement(ctx context.Context, p *identity.Principal, campaignID int64, worst int) (*Agreement, error) {
	if _, err := s.campaigns.Get(ctx, p, campaignID); err != nil {
		return nil, err
	}
	db := s.store.db.WithContext(ctx)
	var rows []struct {
		annotate.Answer
		Question string
	}
	err := db.Table("answers a").Select("a.*, q.text AS question").Joins("JOIN questions q ON q.id = a.question_id").
		Where("q.campaign_id = ? AND q.answers_count >= 2 AND q.state <> ? AND a.state <> ?", campaignID, annotate.StateRejected, annotate.StateRejected).
		Order("a.question_id, a.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	res := &Agreement{Distribution: make([]Bin, 10), Worst: []QuestionAgreement{}, Contributors: []ContributorAgreement{}}
	for i := range res.Distribution {
		res.Distribution[i] = Bin{From: float64(i) * 10, To: float64(i+1) * 10}
	}
	byAuthor := map[int64][]answerScore{}
	var qEM, qF1 []float64
	var all []QuestionAgreement
	for i := 0; i < len(rows); {
		j := i
		var answers []annotate.Answer
		for j < len(rows) && rows[j].QuestionID == rows[i].QuestionID {
			answers = append(answers, rows[j].Answer)
			j++
		}
		scores := scoreQuestion(answers)
		if scores != nil {
			var em, f1 []float64
			texts := make([]string, len(answers))
			for k, sc := range scores {
				em = append(em, sc.EM)
				f1 = append(f1, sc.F1)
				byAuthor[sc.AuthorID] = append(byAuthor[sc.AuthorID], sc)
				texts[k] = answers[k].Text
			}
			qa := QuestionAgreement{QuestionID: rows[i].QuestionID, Question: rows[i].Question, Answers: texts, ExactMatch: 100 * mean(em), F1: 100 * mean(f1)}
			all = append(all, qa)
			qEM, qF1 = append(qEM, qa.ExactMatch), append(qF1, qa.F1)
			res.Answers += len(answers)
			bin := int(math.Min(9, math.Floor(qa.F1/10)))
			res.Distribution[bin].Count++
		}
		i = j
	}
	res.Questions = len(all)
	res.ExactMatch, res.F1 = mean(qEM), mean(qF1)
	sort.SliceStable(all, func(a, b int) bool { return all[a].F1 < all[b].F1 })
	if len(all) > worst {
		all = all[:worst]
	}
	res.Worst = append(res.Worst, all...)
	if len(byAuthor) > 0 {
		ids := make([]int64, 0, len(byAuthor))
		for id := range byAuthor {
			ids = append(ids, id)
		}
		var users []struct {
			ID        int64
			Pseudonym string
		}
		if err := db.Table("users").Select("id, pseudonym").Where("id IN ?", ids).Scan(&users).Error; err != nil {
			return nil, err
		}
		for _, u := range users {
			var em, f1 []float64
			for _, sc := range byAuthor[u.ID] {
				em, f1 = append(em, sc.EM), append(f1, sc.F1)
			}
			res.Contributors = append(res.Contributors, ContributorAgreement{UserID: u.ID, Pseudonym: u.Pseudonym, Answers: len(f1),
				ExactMatch: 100 * mean(em), F1: 100 * mean(f1)})
		}
		sort.Slice(res.Contributors, func(a, b int) bool { return res.Contributors[a].F1 < res.Contributors[b].F1 })
	}
	return res, nil
}

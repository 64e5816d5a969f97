// Activation-aware compensation: the output-error formula against explicit
// activations, the weighting's inverse, and on stories260K's real calibration
// activations, weighted variants give lower output error than unweighted ones.
#include <gtest/gtest.h>

#include "act_weighting.h"
#include "calibration.h"
#include "eval.h"
#include "method.h"
#include "rng.h"
#include "synthetic.h"
#include "test_support.h"
#include "tokenizer.h"

namespace itera {
namespace {

TEST(ActAware, OutputErrorFromGramMatchesExplicitActivations) {
  const Matrix w = synthetic_weight(20, 30, 1);
  const Matrix w_hat = w + 0.01f * synthetic_weight(20, 30, 2);
  Matrix x(50, 30);
  Rng rng(3);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal()) * (1.0f + static_cast<float>(i % 30));
  const Eigen::MatrixXd gram = x.cast<double>().transpose() * x.cast<double>();
  const double direct = ((w - w_hat).cast<double>() * x.cast<double>().transpose()).norm() /
                        (w.cast<double>() * x.cast<double>().transpose()).norm();
  EXPECT_NEAR(output_rel_error(w, w_hat, gram), direct, 1e-9);
  for (WeightingKind k : {WeightingKind::Diagonal, WeightingKind::Exact}) {
    const ActWeighting t = make_weighting(k, gram, 50);
    EXPECT_LT((t.t * t.t_inv - ColMatrix::Identity(30, 30)).norm(), 1e-3f) << weighting_name(k);
  }
}

TEST(ActAware, WeightedVariantsLowerOutputErrorOnStories260K) {
  ITERA_REQUIRE_SHARED(model_path, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok_path, "models/tok512.bin");
  ITERA_REQUIRE_SHARED(text_path, "text/tinystories-valid-part1.txt");
  const LlamaModel model(load_llama2c(model_path));
  const Tokenizer tok = Tokenizer::load(tok_path, model.config().vocab_size);
  const std::string text = testing::slurp(text_path);
  const auto grams = collect_input_grams(model, tok.encode(prepare_eval_text(text, false), false, false), 256, 2048);
  ASSERT_EQ(grams.size(), 36u);  // 35 linear layers + the classifier input

  struct Case {
    const char* method;
    Form form;
  };
  for (const Case c : {Case{"svd", Form::Factorized}, Case{"lorc", Form::Factorized},
                       Case{"itera", Form::Factorized}, Case{"itera", Form::Compensated}}) {
    for (WeightingKind kind : {WeightingKind::Diagonal, WeightingKind::Exact}) {
      double plain = 0.0, aware = 0.0;
      for (const NamedMatrix& l : llama_linear_layers(model.weights())) {
        const InputGram& g = grams.at(l.name);
        MethodOptions o;
        o.rank = 8;
        o.weight.bits = 3;
        o.factor.bits = 8;
        o.form = c.form;
        const auto m = make_method(c.method);
        const double e0 = output_rel_error(l.w, m->compress(l.w, o).reconstruct(), g.gram);
        const ActWeighting wt = make_weighting(kind, g.gram, g.count);
        o.weighting = &wt;
        const double e1 = output_rel_error(l.w, m->compress(l.w, o).reconstruct(), g.gram);
        plain += e0 * e0;
        aware += e1 * e1;
      }
      EXPECT_LT(aware, plain) << c.method << " " << form_name(c.form) << " " << weighting_name(kind);
    }
  }
}

}  // namespace
}  // namespace itera

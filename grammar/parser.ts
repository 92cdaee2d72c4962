/**
 * The seqnet concrete-syntax parser: LANGUAGE.md section 3 for models, and the
 * layer declaration grammar of docs/layer-declarations.md. It produces a CST;
 * src/syntax/to-ast.ts turns that into the AST. Error recovery is in
 * recovery.ts, messages in messages.ts.
 */
import type { CstNode, IToken } from 'chevrotain';
import { RecoveringParser } from './recovery.js';
import * as T from './tokens.js';

export class SeqnetParser extends RecoveringParser {
  constructor() {
    super({ nodeLocationTracking: 'full', maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  /** Parses a whole file; `errors` then holds what recovery got past. */
  parseFile(tokens: IToken[]): CstNode {
    this.resetRecovery();
    // A copy: recovery may insert a virtual `,` into the vector it parses.
    this.input = tokens.slice();
    return this.file();
  }

  // ------------------------------------------------------------ file

  public file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.model) }, { ALT: () => this.SUBRULE(this.layer) }]);
    });
  });

  // ------------------------------------------------------------ models

  public model = this.RULE('model', () => {
    this.CONSUME(T.Model);
    this.ACTION(() => {
      this.inLayer = false;
    });
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RCurly);
  });

  /** `;` is consumed here, outside the statement kinds, so that an error inside one re-syncs to its `;`. */
  public statement = this.RULE('statement', () => {
    this.ACTION(() => {
      this.openStatement = undefined;
    });
    this.OR([
      { ALT: () => this.SUBRULE(this.inputStmt) },
      { ALT: () => this.SUBRULE(this.targetStmt) },
      { ALT: () => this.SUBRULE(this.outputStmt) },
      { ALT: () => this.SUBRULE(this.lossStmt) },
      { ALT: () => this.SUBRULE(this.binding) },
    ]);
    this.CONSUME(T.Semi);
  });

  public inputStmt = this.RULE('inputStmt', () => {
    this.CONSUME(T.Input);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.modelType);
    this.OPTION(() => this.SUBRULE(this.maskClause));
  });

  public maskClause = this.RULE('maskClause', () => {
    this.CONSUME(T.Masked);
    this.CONSUME(T.By);
    this.SUBRULE(this.maskSource);
    // The `,` is required; it is optional here so that its absence gets a precise message (to-ast.ts).
    this.OPTION(() => {
      this.OPTION1(() => this.CONSUME(T.Comma));
      this.CONSUME(T.Padded);
      this.OR([{ ALT: () => this.CONSUME(T.Post) }, { ALT: () => this.CONSUME(T.Pre) }]);
    });
  });

  public maskSource = this.RULE('maskSource', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Zeros) },
      {
        ALT: () => {
          this.CONSUME(T.Value);
          this.CONSUME(T.LParen);
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLit);
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Lengths);
          this.CONSUME1(T.LParen);
          this.CONSUME(T.Identifier);
          this.CONSUME1(T.RParen);
        },
      },
      { ALT: () => this.CONSUME1(T.Identifier) },
    ]);
  });

  public targetStmt = this.RULE('targetStmt', () => {
    this.CONSUME(T.Target);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.modelType);
  });

  public modelType = this.RULE('modelType', () => {
    this.CONSUME(T.DType);
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.modelDim);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE1(this.modelDim);
    });
    this.CONSUME(T.RBracket);
  });

  public modelDim = this.RULE('modelDim', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.NumberLit) }]);
  });

  public binding = this.RULE('binding', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expr);
  });

  public outputStmt = this.RULE('outputStmt', () => {
    this.CONSUME(T.Output);
    this.ACTION(() => {
      this.openStatement = 'output';
    });
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME1(T.Identifier);
    });
  });

  public lossStmt = this.RULE('lossStmt', () => {
    this.CONSUME(T.Loss);
    this.SUBRULE(this.call);
  });

  public expr = this.RULE('expr', () => {
    this.SUBRULE(this.sum);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE(this.call);
    });
  });

  public sum = this.RULE('sum', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.Plus);
      this.SUBRULE1(this.primary);
    });
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expr);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  public call = this.RULE('call', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.arg);
      });
    });
    this.CONSUME(T.RParen);
  });

  public arg = this.RULE('arg', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.namedArg) }, { ALT: () => this.SUBRULE(this.expr) }]);
  });

  public namedArg = this.RULE('namedArg', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.literal);
  });

  public literal = this.RULE('literal', () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLit);
        },
      },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.DType) },
    ]);
  });

  // ------------------------------------------------------------ layer declarations

  public layer = this.RULE('layer', () => {
    this.CONSUME(T.Layer);
    this.ACTION(() => {
      this.inLayer = true;
      // A model's last `output` statement must not shape the messages of the layer after it.
      this.openStatement = undefined;
    });
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.param);
      });
    });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.rexpr);
    this.CONSUME(T.LCurly);
    this.MANY2(() => this.SUBRULE(this.layerRule));
    this.CONSUME(T.RCurly);
  });

  /** A parameter may be named by a keyword (`target`); it is referred to as a word in rule expressions. */
  public param = this.RULE('param', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Keyword) }]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.paramType);
    this.OPTION(() => {
      this.CONSUME(T.Eq);
      this.SUBRULE(this.rexpr);
    });
  });

  /** Alternatives of tensor types, a scalar type name, or enum members; to-ast.ts tells which. */
  public paramType = this.RULE('paramType', () => {
    this.SUBRULE(this.paramAlt);
    this.MANY(() => {
      this.CONSUME(T.Bar);
      this.SUBRULE1(this.paramAlt);
    });
  });

  public paramAlt = this.RULE('paramAlt', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.tensorType) },
      { ALT: () => this.CONSUME(T.DType) },
      { ALT: () => this.CONSUME(T.Identifier) },
    ]);
  });

  public tensorType = this.RULE('tensorType', () => {
    this.OR([{ ALT: () => this.CONSUME(T.DType) }, { ALT: () => this.CONSUME(T.Identifier) }]);
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.tensorDim);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.tensorDim);
      });
    });
    this.CONSUME(T.RBracket);
  });

  public tensorDim = this.RULE('tensorDim', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Ellipsis) }, { ALT: () => this.SUBRULE(this.rexpr) }]);
  });

  public layerRule = this.RULE('layerRule', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.rexpr);
    this.CONSUME(T.Semi);
  });

  public rexpr = this.RULE('rexpr', () => {
    this.SUBRULE(this.orExpr);
    this.OPTION(() => {
      this.CONSUME(T.Question);
      this.SUBRULE1(this.rexpr);
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.rexpr);
    });
  });

  public orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.OrOr);
      this.SUBRULE1(this.andExpr);
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.AndAnd);
      this.SUBRULE1(this.notExpr);
    });
  });

  public notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Bang);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.cmpExpr) },
    ]);
  });

  public cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.arith);
    this.OPTION(() => {
      this.CONSUME(T.CmpOp);
      this.SUBRULE1(this.arith);
    });
  });

  public arith = this.RULE('arith', () => {
    this.SUBRULE(this.term);
    this.MANY(() => {
      this.CONSUME(T.AddOp);
      this.SUBRULE1(this.term);
    });
  });

  public term = this.RULE('term', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.MulOp);
      this.SUBRULE1(this.unary);
    });
  });

  public unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.rprimary) },
    ]);
  });

  public rprimary = this.RULE('rprimary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.tensorType) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => this.CONSUME(T.Prime));
          this.OPTION1(() => {
            this.CONSUME(T.LParen);
            this.OPTION2(() => {
              this.SUBRULE(this.rarg);
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE1(this.rarg);
              });
            });
            this.CONSUME(T.RParen);
          });
        },
      },
      { ALT: () => this.CONSUME(T.KeywordWord) },
      {
        ALT: () => {
          this.CONSUME1(T.LParen);
          this.SUBRULE(this.rexpr);
          this.CONSUME1(T.RParen);
        },
      },
    ]);
  });

  public rarg = this.RULE('rarg', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.rexpr);
  });
}

/** The one parser instance (building one analyses the grammar, which takes a while). */
let instance: SeqnetParser | undefined;
export function seqnetParser(): SeqnetParser {
  instance ??= new SeqnetParser();
  return instance;
}

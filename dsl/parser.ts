/**
 * The grammar of `.pal` files as a pure Chevrotain CstParser: no embedded actions, the CST
 * is turned into the AST by cst-to-ast.ts. dsl/README.md has the same grammar in EBNF.
 *
 * Error recovery is Chevrotain's: single-token insertion and deletion, re-sync inside
 * repetitions (a junk token between items is skipped) and re-sync between rules (a broken
 * item gives up at the next token that can follow it: the next item keyword, `}` or the
 * next declaration keyword). The error message provider only says what was expected; the
 * readable message, with what was found and where, is composed in syntax-errors.ts.
 *
 * One instance is built at load (self-analysis takes a few ms) and reused by every parse.
 */
import type { IParserErrorMessageProvider, TokenType } from 'chevrotain';
import { CstParser, EOF, tokenMatcher } from './chevrotain.js';
import * as t from './tokens.js';

/** What was expected, in words (`\`}\``, `a name`, `an expression`); the rest of the message is built later. */
const expectedOnly: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => tokenLabel(expected),
  buildNotAllInputParsedMessage: () => tokenLabel(EOF),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, customUserDescription }) =>
    customUserDescription ?? alternatives(expectedPathsPerAlt.flat().map((path) => path[0])),
  buildEarlyExitMessage: ({ expectedIterationPaths, customUserDescription }) =>
    customUserDescription ?? alternatives(expectedIterationPaths.map((path) => path[0])),
};

export function tokenLabel(type: TokenType | undefined): string {
  if (type === undefined || type === EOF) return 'end of file';
  return type.LABEL ?? type.name;
}

function alternatives(types: (TokenType | undefined)[]): string {
  const labels = [...new Set(types.map(tokenLabel))];
  if (labels.length <= 1) return labels[0] ?? 'something else';
  return `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

/**
 * Keywords that start an item or a declaration. When one of them is followed by what can
 * only be the rest of that item (`feature b =`, `group g on`, `ttl 7d`), it is not read as
 * a reference: `feature a = x +` then `feature b = 1` reports the missing operand instead
 * of swallowing `feature` as a column name. In valid code the check never fires.
 */
const ITEM_KEYWORDS = new Set<TokenType>([
  t.Namespace, t.Import, t.Entity, t.Source, t.Group, t.Model, t.Key, t.Where, t.Let, t.Feature, t.Features,
  t.Description, t.Owner, t.Tags, t.Ttl, t.Version, t.Events, t.Snapshot, t.Stream, t.Table, t.Timestamp, t.Fields,
]);

export class PaletteParser extends CstParser {
  constructor() {
    super(t.allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider: expectedOnly,
    });
    this.performSelfAnalysis();
  }

  // Alternatives of an OR are built once (the `…Alts` fields) rather than per call: it
  // saves an allocation per decision, and under tsx (esbuild keepNames) a `__name` call for
  // every `{ ALT: () => … }` literal, which made parsing ~2x slower.

  // -------------------------------------------------------------------------------------
  // File and declarations

  private readonly fileAlts = [
    { ALT: () => this.SUBRULE(this.namespaceDecl) },
    { ALT: () => this.SUBRULE(this.importDecl) },
    { ALT: () => this.SUBRULE(this.entityDecl) },
    { ALT: () => this.SUBRULE(this.sourceDecl) },
    { ALT: () => this.SUBRULE(this.groupDecl) },
    { ALT: () => this.SUBRULE(this.modelDecl) },
  ];

  public file = this.RULE('file', () => {
    this.MANY(() => this.OR(this.fileAlts));
  });

  public namespaceDecl = this.RULE('namespaceDecl', () => {
    this.CONSUME(t.Namespace);
    this.SUBRULE(this.qualifiedName);
  });

  public importDecl = this.RULE('importDecl', () => {
    this.CONSUME(t.Import);
    this.SUBRULE(this.qualifiedName);
    this.OPTION(() => {
      this.CONSUME(t.As);
      this.CONSUME(t.Name, { LABEL: 'alias' });
    });
  });

  private readonly entityItemAlts = [
    { ALT: () => this.SUBRULE(this.keyDecl) },
    { ALT: () => this.SUBRULE(this.metaItem) },
  ];

  public entityDecl = this.RULE('entityDecl', () => {
    this.CONSUME(t.Entity);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.LCurly);
    this.MANY(() => this.OR(this.entityItemAlts));
    this.CONSUME(t.RCurly);
  });

  public keyDecl = this.RULE('keyDecl', () => {
    this.CONSUME(t.Key);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.Colon);
    this.SUBRULE(this.typeRef);
  });

  public sourceDecl = this.RULE('sourceDecl', () => {
    this.CONSUME(t.Source);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.LCurly);
    this.MANY(() => this.OR(this.sourceItemAlts));
    this.CONSUME(t.RCurly);
  });

  private readonly sourceItemAlts = [
    { ALT: () => this.CONSUME(t.Events) },
    { ALT: () => this.CONSUME(t.Snapshot) },
    { ALT: () => this.SUBRULE(this.streamItem) },
    { ALT: () => this.SUBRULE(this.tableItem) },
    { ALT: () => this.SUBRULE(this.timestampItem) },
    { ALT: () => this.SUBRULE(this.fieldsBlock) },
    { ALT: () => this.SUBRULE(this.metaItem) },
  ];

  public streamItem = this.RULE('streamItem', () => {
    this.CONSUME(t.Stream);
    this.CONSUME(t.Name, { LABEL: 'system' });
    this.CONSUME(t.StringLiteral, { LABEL: 'topic' });
    this.OPTION(() => {
      this.CONSUME(t.Format);
      this.CONSUME2(t.Name, { LABEL: 'format' });
    });
  });

  public tableItem = this.RULE('tableItem', () => {
    this.CONSUME(t.Table);
    this.CONSUME(t.Name, { LABEL: 'system' });
    this.CONSUME(t.StringLiteral, { LABEL: 'tableName' });
    this.OPTION(() => {
      this.CONSUME(t.Partition);
      this.CONSUME2(t.Name, { LABEL: 'partition' });
    });
  });

  public timestampItem = this.RULE('timestampItem', () => {
    this.CONSUME(t.Timestamp);
    this.CONSUME(t.Name, { LABEL: 'field' });
  });

  public fieldsBlock = this.RULE('fieldsBlock', () => {
    this.CONSUME(t.Fields);
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.fieldDecl));
    this.CONSUME(t.RCurly);
  });

  public fieldDecl = this.RULE('fieldDecl', () => {
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(() => this.CONSUME(t.Comma));
  });

  public groupDecl = this.RULE('groupDecl', () => {
    this.CONSUME(t.Group);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.On);
    this.SUBRULE(this.qualifiedName, { LABEL: 'entity' });
    this.CONSUME(t.From);
    this.SUBRULE2(this.qualifiedName, { LABEL: 'source' });
    this.CONSUME(t.LCurly);
    this.MANY(() => this.OR(this.groupItemAlts));
    this.CONSUME(t.RCurly);
  });

  private readonly groupItemAlts = [
    { ALT: () => this.SUBRULE(this.whereItem) },
    { ALT: () => this.SUBRULE(this.keyMapItem) },
    { ALT: () => this.SUBRULE(this.letItem) },
    { ALT: () => this.SUBRULE(this.featureDecl) },
    { ALT: () => this.SUBRULE(this.metaItem) },
  ];

  public whereItem = this.RULE('whereItem', () => {
    this.CONSUME(t.Where);
    this.SUBRULE(this.expression);
  });

  public keyMapItem = this.RULE('keyMapItem', () => {
    this.CONSUME(t.Key);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
  });

  public letItem = this.RULE('letItem', () => {
    this.CONSUME(t.Let);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
  });

  public featureDecl = this.RULE('featureDecl', () => {
    this.CONSUME(t.Feature);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expression);
    this.OPTION(() => this.CONSUME(t.StringLiteral, { LABEL: 'description' }));
  });

  public modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(t.Model);
    this.CONSUME(t.Name, { LABEL: 'name' });
    this.CONSUME(t.LCurly);
    this.MANY(() => this.OR(this.modelItemAlts));
    this.CONSUME(t.RCurly);
  });

  private readonly modelItemAlts = [
    { ALT: () => this.SUBRULE(this.featuresItem) },
    { ALT: () => this.SUBRULE(this.featureDecl) },
    { ALT: () => this.SUBRULE(this.metaItem) },
  ];

  public featuresItem = this.RULE('featuresItem', () => {
    this.CONSUME(t.Features);
    this.SUBRULE(this.selection);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.selection);
    });
  });

  /** `g.*`, `g.f`, `ns.g.f as alias`: the name path is inlined so `.` `*` is told from `.` name with LL(2). */
  public selection = this.RULE('selection', () => {
    this.CONSUME(t.Name, { LABEL: 'parts' });
    this.MANY(() => {
      this.CONSUME(t.Dot);
      this.CONSUME2(t.Name, { LABEL: 'parts' });
    });
    this.OPTION(() => {
      this.CONSUME2(t.Dot);
      this.CONSUME(t.Star);
    });
    this.OPTION2(() => {
      this.CONSUME(t.As);
      this.CONSUME3(t.Name, { LABEL: 'alias' });
    });
  });

  /** `description "…"`, `owner "…"`, `tags a, "b-c"`, `ttl 30d`, `version 2`. */
  private readonly metaItemAlts = [
    {
      ALT: () => {
        this.CONSUME(t.Description);
        this.CONSUME(t.StringLiteral);
      },
    },
    {
      ALT: () => {
        this.CONSUME(t.Owner);
        this.CONSUME2(t.StringLiteral);
      },
    },
    {
      ALT: () => {
        this.CONSUME(t.Tags);
        this.SUBRULE(this.tag);
        this.MANY(() => {
          this.CONSUME(t.Comma);
          this.SUBRULE2(this.tag);
        });
      },
    },
    {
      ALT: () => {
        this.CONSUME(t.Ttl);
        this.CONSUME(t.Duration);
      },
    },
    {
      ALT: () => {
        this.CONSUME(t.Version);
        this.CONSUME(t.Integer);
      },
    },
  ];

  public metaItem = this.RULE('metaItem', () => {
    this.OR(this.metaItemAlts);
  });

  private readonly tagAlts = {
    DEF: [
      { ALT: () => this.CONSUME(t.Name) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
    ],
    ERR_MSG: 'a tag (a name or a string)',
  };

  public tag = this.RULE('tag', () => {
    this.OR(this.tagAlts);
  });

  public qualifiedName = this.RULE('qualifiedName', () => {
    this.CONSUME(t.Name, { LABEL: 'parts' });
    this.MANY(() => {
      this.CONSUME(t.Dot);
      this.CONSUME2(t.Name, { LABEL: 'parts' });
    });
  });

  /** `double`, `int?`, `list<string>`, `list<int?>?`. */
  private readonly typeRefAlts = {
    DEF: [
      {
        ALT: () => {
          this.CONSUME(t.List, { LABEL: 'name' });
          this.CONSUME(t.Less);
          this.SUBRULE(this.typeRef, { LABEL: 'element' });
          this.CONSUME(t.Greater);
        },
      },
      { ALT: () => this.CONSUME(t.Name, { LABEL: 'name' }) },
    ],
    ERR_MSG: 'a type',
  };

  public typeRef = this.RULE('typeRef', () => {
    this.OR(this.typeRefAlts);
    this.OPTION(() => this.CONSUME(t.Question));
  });

  // -------------------------------------------------------------------------------------
  // Expressions
  //
  // Flat on purpose: `prefix* primary (op prefix* primary)*`, and the AST builder applies
  // the precedence table (precedence climbing, see cst-to-ast.ts). A rule per precedence
  // level costs eight more rule calls and CST nodes per operand, and made parsing 2-3x
  // slower. Prefixes: any `not`s, then any `-`s (`- not x` is an error, as in the
  // precedence grammar of dsl/README.md).

  public expression = this.RULE('expression', () => {
    this.MANY(() => this.CONSUME(t.Not, { LABEL: 'prefix' }));
    this.MANY2(() => this.CONSUME(t.Minus, { LABEL: 'prefix' }));
    this.SUBRULE(this.primary, { LABEL: 'operands' });
    this.MANY3(() => {
      this.CONSUME(t.BinaryOp, { LABEL: 'operators' });
      this.MANY4(() => this.CONSUME2(t.Not, { LABEL: 'prefix' }));
      this.MANY5(() => this.CONSUME2(t.Minus, { LABEL: 'prefix' }));
      this.SUBRULE2(this.primary, { LABEL: 'operands' });
    });
  });

  private readonly primaryAlts = {
    DEF: [
      { ALT: () => this.CONSUME(t.Integer) },
      { ALT: () => this.CONSUME(t.Float) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
      { ALT: () => this.CONSUME(t.True) },
      { ALT: () => this.CONSUME(t.False) },
      { ALT: () => this.CONSUME(t.Null) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.caseExpr) },
      { ALT: () => this.SUBRULE(this.castExpr) },
      { ALT: () => this.SUBRULE(this.callExpr) },
      {
        // a reference `a`, `a.b`, `a.b.c` (inlined: one CST node fewer per reference)
        GATE: () => this.refAllowed(),
        ALT: () => {
          this.CONSUME(t.Name, { LABEL: 'ref' });
          this.MANY(() => {
            this.CONSUME(t.Dot);
            this.CONSUME2(t.Name, { LABEL: 'ref' });
          });
        },
      },
    ],
    ERR_MSG: 'an expression',
  };

  public primary = this.RULE('primary', () => {
    this.OR(this.primaryAlts);
  });

  public parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(t.RParen);
  });

  public caseExpr = this.RULE('caseExpr', () => {
    this.CONSUME(t.Case);
    this.AT_LEAST_ONE({
      DEF: () => {
        this.CONSUME(t.When);
        this.SUBRULE(this.expression, { LABEL: 'when' });
        this.CONSUME(t.Then);
        this.SUBRULE2(this.expression, { LABEL: 'then' });
      },
      ERR_MSG: '`when`',
    });
    this.OPTION(() => {
      this.CONSUME(t.Else);
      this.SUBRULE3(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(t.End);
  });

  public castExpr = this.RULE('castExpr', () => {
    this.CONSUME(t.Cast);
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(t.As);
    this.SUBRULE(this.typeRef);
    this.CONSUME(t.RParen);
  });

  /** `count()`, `avg(fare) over 7d`, `if(c, a, b)`: a name followed by `(` (LL(2) against a reference). */
  public callExpr = this.RULE('callExpr', () => {
    this.CONSUME(t.Name, { LABEL: 'callee' });
    this.CONSUME(t.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: 'args' });
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.SUBRULE2(this.expression, { LABEL: 'args' });
      });
    });
    this.CONSUME(t.RParen);
    // the window `over 7d`, `over 7d every 1h`, `over all` (inlined)
    this.OPTION2(() => {
      this.CONSUME(t.Over);
      this.OR(this.windowSizeAlts);
      this.OPTION3(() => {
        this.CONSUME(t.Every);
        this.CONSUME2(t.Duration, { LABEL: 'every' });
      });
    });
  });

  private readonly windowSizeAlts = {
    DEF: [
      { ALT: () => this.CONSUME(t.Duration, { LABEL: 'size' }) },
      { ALT: () => this.CONSUME(t.All) },
    ],
    ERR_MSG: 'a duration (like `7d`) or `all`',
  };

  /** See ITEM_KEYWORDS: false when the next tokens can only start an item or a declaration. */
  private refAllowed(): boolean {
    const t1 = this.LA(1).tokenType;
    if (!ITEM_KEYWORDS.has(t1)) return true;
    const la2 = this.LA(2);
    const t2 = la2.tokenType;
    if (t2 === t.Identifier) return false; // after a complete operand no plain name can follow
    const t3 = this.LA(3);
    const nameThen = (next: TokenType): boolean => tokenMatcher(la2, t.Name) && tokenMatcher(t3, next);
    switch (t1) {
      case t.Feature:
      case t.Let:
      case t.Key:
        return !nameThen(t.Equals);
      case t.Entity:
      case t.Source:
      case t.Model:
        return !nameThen(t.LCurly);
      case t.Group:
        return !nameThen(t.On);
      case t.Features:
        return !(nameThen(t.Dot) || nameThen(t.Comma) || nameThen(t.As) || nameThen(t.RCurly));
      case t.Namespace:
      case t.Import:
        return !nameThen(t.Dot);
      case t.Ttl:
        return !tokenMatcher(la2, t.Duration);
      case t.Version:
        return !tokenMatcher(la2, t.Integer);
      case t.Tags:
        return !(tokenMatcher(la2, t.StringLiteral) && tokenMatcher(t3, t.Comma));
      default:
        return true;
    }
  }
}

/** The shared parser instance. Not re-entrant (nothing in Palette parses from inside a parse). */
export const parser = new PaletteParser();

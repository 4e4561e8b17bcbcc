// The token kinds and names of PHP 8.2's tokenizer extension (token_name).

package phplex

// Kinds of the tokens PHP names; a kind below 256 is a one-byte token, the byte itself.
const (
	T_LNUMBER Kind = iota + 256
	T_DNUMBER
	T_STRING
	T_NAME_FULLY_QUALIFIED
	T_NAME_RELATIVE
	T_NAME_QUALIFIED
	T_VARIABLE
	T_INLINE_HTML
	T_ENCAPSED_AND_WHITESPACE
	T_CONSTANT_ENCAPSED_STRING
	T_STRING_VARNAME
	T_NUM_STRING
	T_INCLUDE
	T_INCLUDE_ONCE
	T_EVAL
	T_REQUIRE
	T_REQUIRE_ONCE
	T_LOGICAL_OR
	T_LOGICAL_XOR
	T_LOGICAL_AND
	T_PRINT
	T_YIELD
	T_YIELD_FROM
	T_INSTANCEOF
	T_NEW
	T_CLONE
	T_EXIT
	T_IF
	T_ELSEIF
	T_ELSE
	T_ENDIF
	T_ECHO
	T_DO
	T_WHILE
	T_ENDWHILE
	T_FOR
	T_ENDFOR
	T_FOREACH
	T_ENDFOREACH
	T_DECLARE
	T_ENDDECLARE
	T_AS
	T_SWITCH
	T_ENDSWITCH
	T_CASE
	T_DEFAULT
	T_MATCH
	T_BREAK
	T_CONTINUE
	T_GOTO
	T_FUNCTION
	T_FN
	T_CONST
	T_RETURN
	T_TRY
	T_CATCH
	T_FINALLY
	T_THROW
	T_USE
	T_INSTEADOF
	T_GLOBAL
	T_STATIC
	T_ABSTRACT
	T_FINAL
	T_PRIVATE
	T_PROTECTED
	T_PUBLIC
	T_READONLY
	T_VAR
	T_UNSET
	T_ISSET
	T_EMPTY
	T_HALT_COMPILER
	T_CLASS
	T_TRAIT
	T_INTERFACE
	T_ENUM
	T_EXTENDS
	T_IMPLEMENTS
	T_NAMESPACE
	T_LIST
	T_ARRAY
	T_CALLABLE
	T_LINE
	T_FILE
	T_DIR
	T_CLASS_C
	T_TRAIT_C
	T_METHOD_C
	T_FUNC_C
	T_NS_C
	T_ATTRIBUTE
	T_PLUS_EQUAL
	T_MINUS_EQUAL
	T_MUL_EQUAL
	T_DIV_EQUAL
	T_CONCAT_EQUAL
	T_MOD_EQUAL
	T_AND_EQUAL
	T_OR_EQUAL
	T_XOR_EQUAL
	T_SL_EQUAL
	T_SR_EQUAL
	T_COALESCE_EQUAL
	T_BOOLEAN_OR
	T_BOOLEAN_AND
	T_IS_EQUAL
	T_IS_NOT_EQUAL
	T_IS_IDENTICAL
	T_IS_NOT_IDENTICAL
	T_IS_SMALLER_OR_EQUAL
	T_IS_GREATER_OR_EQUAL
	T_SPACESHIP
	T_SL
	T_SR
	T_INC
	T_DEC
	T_INT_CAST
	T_DOUBLE_CAST
	T_STRING_CAST
	T_ARRAY_CAST
	T_OBJECT_CAST
	T_BOOL_CAST
	T_UNSET_CAST
	T_OBJECT_OPERATOR
	T_NULLSAFE_OBJECT_OPERATOR
	T_DOUBLE_ARROW
	T_COMMENT
	T_DOC_COMMENT
	T_OPEN_TAG
	T_OPEN_TAG_WITH_ECHO
	T_CLOSE_TAG
	T_WHITESPACE
	T_START_HEREDOC
	T_END_HEREDOC
	T_DOLLAR_OPEN_CURLY_BRACES
	T_CURLY_OPEN
	T_PAAMAYIM_NEKUDOTAYIM
	T_NS_SEPARATOR
	T_ELLIPSIS
	T_COALESCE
	T_POW
	T_POW_EQUAL
	T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG
	T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG
	T_BAD_CHARACTER
)

var kindNames = [...]string{
	T_LNUMBER - 256:                  "T_LNUMBER",
	T_DNUMBER - 256:                  "T_DNUMBER",
	T_STRING - 256:                   "T_STRING",
	T_NAME_FULLY_QUALIFIED - 256:     "T_NAME_FULLY_QUALIFIED",
	T_NAME_RELATIVE - 256:            "T_NAME_RELATIVE",
	T_NAME_QUALIFIED - 256:           "T_NAME_QUALIFIED",
	T_VARIABLE - 256:                 "T_VARIABLE",
	T_INLINE_HTML - 256:              "T_INLINE_HTML",
	T_ENCAPSED_AND_WHITESPACE - 256:  "T_ENCAPSED_AND_WHITESPACE",
	T_CONSTANT_ENCAPSED_STRING - 256: "T_CONSTANT_ENCAPSED_STRING",
	T_STRING_VARNAME - 256:           "T_STRING_VARNAME",
	T_NUM_STRING - 256:               "T_NUM_STRING",
	T_INCLUDE - 256:                  "T_INCLUDE",
	T_INCLUDE_ONCE - 256:             "T_INCLUDE_ONCE",
	T_EVAL - 256:                     "T_EVAL",
	T_REQUIRE - 256:                  "T_REQUIRE",
	T_REQUIRE_ONCE - 256:             "T_REQUIRE_ONCE",
	T_LOGICAL_OR - 256:               "T_LOGICAL_OR",
	T_LOGICAL_XOR - 256:              "T_LOGICAL_XOR",
	T_LOGICAL_AND - 256:              "T_LOGICAL_AND",
	T_PRINT - 256:                    "T_PRINT",
	T_YIELD - 256:                    "T_YIELD",
	T_YIELD_FROM - 256:               "T_YIELD_FROM",
	T_INSTANCEOF - 256:               "T_INSTANCEOF",
	T_NEW - 256:                      "T_NEW",
	T_CLONE - 256:                    "T_CLONE",
	T_EXIT - 256:                     "T_EXIT",
	T_IF - 256:                       "T_IF",
	T_ELSEIF - 256:                   "T_ELSEIF",
	T_ELSE - 256:                     "T_ELSE",
	T_ENDIF - 256:                    "T_ENDIF",
	T_ECHO - 256:                     "T_ECHO",
	T_DO - 256:                       "T_DO",
	T_WHILE - 256:                    "T_WHILE",
	T_ENDWHILE - 256:                 "T_ENDWHILE",
	T_FOR - 256:                      "T_FOR",
	T_ENDFOR - 256:                   "T_ENDFOR",
	T_FOREACH - 256:                  "T_FOREACH",
	T_ENDFOREACH - 256:               "T_ENDFOREACH",
	T_DECLARE - 256:                  "T_DECLARE",
	T_ENDDECLARE - 256:               "T_ENDDECLARE",
	T_AS - 256:                       "T_AS",
	T_SWITCH - 256:                   "T_SWITCH",
	T_ENDSWITCH - 256:                "T_ENDSWITCH",
	T_CASE - 256:                     "T_CASE",
	T_DEFAULT - 256:                  "T_DEFAULT",
	T_MATCH - 256:                    "T_MATCH",
	T_BREAK - 256:                    "T_BREAK",
	T_CONTINUE - 256:                 "T_CONTINUE",
	T_GOTO - 256:                     "T_GOTO",
	T_FUNCTION - 256:                 "T_FUNCTION",
	T_FN - 256:                       "T_FN",
	T_CONST - 256:                    "T_CONST",
	T_RETURN - 256:                   "T_RETURN",
	T_TRY - 256:                      "T_TRY",
	T_CATCH - 256:                    "T_CATCH",
	T_FINALLY - 256:                  "T_FINALLY",
	T_THROW - 256:                    "T_THROW",
	T_USE - 256:                      "T_USE",
	T_INSTEADOF - 256:                "T_INSTEADOF",
	T_GLOBAL - 256:                   "T_GLOBAL",
	T_STATIC - 256:                   "T_STATIC",
	T_ABSTRACT - 256:                 "T_ABSTRACT",
	T_FINAL - 256:                    "T_FINAL",
	T_PRIVATE - 256:                  "T_PRIVATE",
	T_PROTECTED - 256:                "T_PROTECTED",
	T_PUBLIC - 256:                   "T_PUBLIC",
	T_READONLY - 256:                 "T_READONLY",
	T_VAR - 256:                      "T_VAR",
	T_UNSET - 256:                    "T_UNSET",
	T_ISSET - 256:                    "T_ISSET",
	T_EMPTY - 256:                    "T_EMPTY",
	T_HALT_COMPILER - 256:            "T_HALT_COMPILER",
	T_CLASS - 256:                    "T_CLASS",
	T_TRAIT - 256:                    "T_TRAIT",
	T_INTERFACE - 256:                "T_INTERFACE",
	T_ENUM - 256:                     "T_ENUM",
	T_EXTENDS - 256:                  "T_EXTENDS",
	T_IMPLEMENTS - 256:               "T_IMPLEMENTS",
	T_NAMESPACE - 256:                "T_NAMESPACE",
	T_LIST - 256:                     "T_LIST",
	T_ARRAY - 256:                    "T_ARRAY",
	T_CALLABLE - 256:                 "T_CALLABLE",
	T_LINE - 256:                     "T_LINE",
	T_FILE - 256:                     "T_FILE",
	T_DIR - 256:                      "T_DIR",
	T_CLASS_C - 256:                  "T_CLASS_C",
	T_TRAIT_C - 256:                  "T_TRAIT_C",
	T_METHOD_C - 256:                 "T_METHOD_C",
	T_FUNC_C - 256:                   "T_FUNC_C",
	T_NS_C - 256:                     "T_NS_C",
	T_ATTRIBUTE - 256:                "T_ATTRIBUTE",
	T_PLUS_EQUAL - 256:               "T_PLUS_EQUAL",
	T_MINUS_EQUAL - 256:              "T_MINUS_EQUAL",
	T_MUL_EQUAL - 256:                "T_MUL_EQUAL",
	T_DIV_EQUAL - 256:                "T_DIV_EQUAL",
	T_CONCAT_EQUAL - 256:             "T_CONCAT_EQUAL",
	T_MOD_EQUAL - 256:                "T_MOD_EQUAL",
	T_AND_EQUAL - 256:                "T_AND_EQUAL",
	T_OR_EQUAL - 256:                 "T_OR_EQUAL",
	T_XOR_EQUAL - 256:                "T_XOR_EQUAL",
	T_SL_EQUAL - 256:                 "T_SL_EQUAL",
	T_SR_EQUAL - 256:                 "T_SR_EQUAL",
	T_COALESCE_EQUAL - 256:           "T_COALESCE_EQUAL",
	T_BOOLEAN_OR - 256:               "T_BOOLEAN_OR",
	T_BOOLEAN_AND - 256:              "T_BOOLEAN_AND",
	T_IS_EQUAL - 256:                 "T_IS_EQUAL",
	T_IS_NOT_EQUAL - 256:             "T_IS_NOT_EQUAL",
	T_IS_IDENTICAL - 256:             "T_IS_IDENTICAL",
	T_IS_NOT_IDENTICAL - 256:         "T_IS_NOT_IDENTICAL",
	T_IS_SMALLER_OR_EQUAL - 256:      "T_IS_SMALLER_OR_EQUAL",
	T_IS_GREATER_OR_EQUAL - 256:      "T_IS_GREATER_OR_EQUAL",
	T_SPACESHIP - 256:                "T_SPACESHIP",
	T_SL - 256:                       "T_SL",
	T_SR - 256:                       "T_SR",
	T_INC - 256:                      "T_INC",
	T_DEC - 256:                      "T_DEC",
	T_INT_CAST - 256:                 "T_INT_CAST",
	T_DOUBLE_CAST - 256:              "T_DOUBLE_CAST",
	T_STRING_CAST - 256:              "T_STRING_CAST",
	T_ARRAY_CAST - 256:               "T_ARRAY_CAST",
	T_OBJECT_CAST - 256:              "T_OBJECT_CAST",
	T_BOOL_CAST - 256:                "T_BOOL_CAST",
	T_UNSET_CAST - 256:               "T_UNSET_CAST",
	T_OBJECT_OPERATOR - 256:          "T_OBJECT_OPERATOR",
	T_NULLSAFE_OBJECT_OPERATOR - 256: "T_NULLSAFE_OBJECT_OPERATOR",
	T_DOUBLE_ARROW - 256:             "T_DOUBLE_ARROW",
	T_COMMENT - 256:                  "T_COMMENT",
	T_DOC_COMMENT - 256:              "T_DOC_COMMENT",
	T_OPEN_TAG - 256:                 "T_OPEN_TAG",
	T_OPEN_TAG_WITH_ECHO - 256:       "T_OPEN_TAG_WITH_ECHO",
	T_CLOSE_TAG - 256:                "T_CLOSE_TAG",
	T_WHITESPACE - 256:               "T_WHITESPACE",
	T_START_HEREDOC - 256:            "T_START_HEREDOC",
	T_END_HEREDOC - 256:              "T_END_HEREDOC",
	T_DOLLAR_OPEN_CURLY_BRACES - 256: "T_DOLLAR_OPEN_CURLY_BRACES",
	T_CURLY_OPEN - 256:               "T_CURLY_OPEN",
	T_PAAMAYIM_NEKUDOTAYIM - 256:     "T_DOUBLE_COLON",
	T_NS_SEPARATOR - 256:             "T_NS_SEPARATOR",
	T_ELLIPSIS - 256:                 "T_ELLIPSIS",
	T_COALESCE - 256:                 "T_COALESCE",
	T_POW - 256:                      "T_POW",
	T_POW_EQUAL - 256:                "T_POW_EQUAL",
	T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG - 256:     "T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG",
	T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG - 256: "T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG",
	T_BAD_CHARACTER - 256:                           "T_BAD_CHARACTER",
}

// T_DOUBLE_COLON is "::", the name token_name gives T_PAAMAYIM_NEKUDOTAYIM.
const T_DOUBLE_COLON = T_PAAMAYIM_NEKUDOTAYIM

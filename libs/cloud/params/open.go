package params

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/platform/libs/cloud"
)

// Open returns the parameter store of a provider: aws (SSM Parameter Store)
// or map (local, from values, such as a configuration section).
func Open(provider string, awsCfg aws.Config, values map[string]string) (Store, error) {
	switch provider {
	case "aws":
		return NewSSM(NewSSMClient(awsCfg)), nil
	case "map":
		return Map(values), nil
	default:
		return nil, fmt.Errorf("%w: parameter provider %q (aws or map)", cloud.ErrInvalid, provider)
	}
}
